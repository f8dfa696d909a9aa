-- wrk script for POST /v1/check: each request asks about one account drawn
-- from the file given as the first script argument (one account id a line).
--   [DG_CHECK_DELAY_MS=1] wrk -t1 -c32 -d15s -s bench/check.lua http://127.0.0.1:PORT/v1/check -- accounts.txt [TOKEN]
-- DG_CHECK_DELAY_MS > 0 (an environment variable: wrk decides whether a script
-- paces its requests before init() sees the arguments): each connection waits that long after an answer before its
-- next request (wrk counts delays in whole milliseconds), so N connections
-- send about N * 1000 / (DELAY_MS + latency in ms) checks/s instead of as
-- many as the server can answer: a gateway's paced load rather than a
-- saturating one (where latency is mostly queueing: N / throughput).
local bodies = {}
local counter = 0
local delay_ms = tonumber(os.getenv("DG_CHECK_DELAY_MS") or "0") or 0

function init(args)
  local path = args[1] or "accounts.txt"
  for line in io.lines(path) do
    if #line > 0 then bodies[#bodies + 1] = '{"account_id":"' .. line .. '"}' end
  end
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  if args[2] and #args[2] > 0 then wrk.headers["Authorization"] = "Bearer " .. args[2] end
  counter = math.random(#bodies)
end

function request()
  counter = counter % #bodies + 1
  return wrk.format(nil, nil, nil, bodies[counter])
end

if delay_ms > 0 then
  function delay()
    return delay_ms
  end
end

function done(summary, latency, requests)
  local seconds = summary.duration / 1e6
  io.write(string.format(
    '{"requests": %d, "seconds": %.2f, "rps": %.0f, "p50_us": %d, "p99_us": %d, "p999_us": %d, "max_us": %d, ' ..
    '"errors": %d, "non2xx": %d}\n',
    summary.requests, seconds, summary.requests / seconds, latency:percentile(50), latency:percentile(99),
    latency:percentile(99.9), latency.max,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.errors.status))
end
