-- wrk script for a gateway in front of a model API: POST /v1/chat/completions
-- with a small OpenAI-style body, X-Account-Id drawn round-robin from the
-- file given as the first script argument (one account id a line).
--   wrk -t1 -c8 -d10s -s bench/gateway.lua http://127.0.0.1:PORT -- accounts.txt
local accounts = {}
local counter = 0
local body = '{"model":"m","messages":[{"role":"user","content":"Explain the proof step by step."}],"max_tokens":512}'

function init(args)
  for line in io.lines(args[1] or "accounts.txt") do
    if #line > 0 then accounts[#accounts + 1] = line end
  end
  counter = math.random(#accounts)
end

function request()
  counter = counter % #accounts + 1
  return wrk.format("POST", "/v1/chat/completions",
                    {["Content-Type"] = "application/json", ["X-Account-Id"] = accounts[counter],
                     ["X-Forwarded-For"] = "198.51.100." .. (counter % 250 + 1)}, body)
end

function done(summary, latency, requests)
  local seconds = summary.duration / 1e6
  io.write(string.format('{"rps": %.0f, "p50_us": %d, "p99_us": %d, "max_us": %d, "errors": %d, "non2xx": %d}\n',
    summary.requests / seconds, latency:percentile(50), latency:percentile(99), latency.max,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.errors.status))
end
