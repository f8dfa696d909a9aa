-- wrk script for POST /v1/check: each request asks about one account drawn
-- from the file given as the first script argument (one account id a line).
--   wrk -t1 -c32 -d15s -s bench/check.lua http://127.0.0.1:PORT/v1/check -- accounts.txt [TOKEN]
local bodies = {}
local counter = 0

function init(args)
  local path = args[1] or "accounts.txt"
  for line in io.lines(path) do
    if #line > 0 then bodies[#bodies + 1] = '{"account_id":"' .. line .. '"}' end
  end
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  if args[2] then wrk.headers["Authorization"] = "Bearer " .. args[2] end
  counter = math.random(#bodies)
end

function request()
  counter = counter % #bodies + 1
  return wrk.format(nil, nil, nil, bodies[counter])
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
