-- DistillGuard authorisation for HAProxy (2.6+, built with Lua; Debian's
-- haproxy package is). Loaded by deploy/haproxy/haproxy.cfg:
--   http-request lua.distillguard_authz
-- asks GET /v1/authz about the account named by X-Account-Id (with the
-- client address) and leaves the answer in transaction variables that the
-- cfg turns into the response:
--   txn.dg_status      "204" serve, "429" throttle, "403" challenge/block,
--                      "401" no account, "fail-open" service unreachable
--   txn.dg_action, txn.dg_reason, txn.dg_retry_after, txn.dg_directives
-- Settings come from the environment (setenv in the cfg's global section):
--   DG_URL (http://127.0.0.1:8080), DG_READ_TOKEN, DG_TIMEOUT_MS (100),
--   DG_ACCOUNT_HEADER (x-account-id).

local dg_url = os.getenv("DG_URL") or "http://127.0.0.1:8080"
local dg_host, dg_port = string.match(dg_url, "^http://([%w%.%-]+):(%d+)/?$")
if dg_host == nil then error("DG_URL must be http://HOST:PORT, got " .. dg_url) end
dg_port = tonumber(dg_port)
local token = os.getenv("DG_READ_TOKEN") or ""
local timeout_ms = tonumber(os.getenv("DG_TIMEOUT_MS") or "100") or 100
local account_header = string.lower(os.getenv("DG_ACCOUNT_HEADER") or "x-account-id")

-- One GET /v1/authz over a plain TCP socket (HTTP/1.1, Connection: close):
-- the status and the headers (lower-case names), or nil on any failure.
-- (core.httpclient of 2.6.12 answered 503 after 3 s here, so the request is
-- written by hand; it is a few header lines.)
local function authz(headers)
  local sock = core.tcp()
  sock:settimeout(timeout_ms / 1000)
  if not sock:connect(dg_host, dg_port) then
    sock:close()
    return nil
  end
  local req = {"GET /v1/authz HTTP/1.1\r\nHost: " .. dg_host .. "\r\nConnection: close\r\n"}
  for name, value in pairs(headers) do
    -- Header values from the client: no line breaks into our request.
    req[#req + 1] = name .. ": " .. string.gsub(value, "[\r\n]", "") .. "\r\n"
  end
  req[#req + 1] = "\r\n"
  if not sock:send(table.concat(req)) then
    sock:close()
    return nil
  end
  local line = sock:receive("*l")
  local status = line and tonumber(string.match(line, "^HTTP/1%.%d (%d%d%d)"))
  if status == nil then
    sock:close()
    return nil
  end
  local out = {}
  while true do
    line = sock:receive("*l")
    if line == nil or line == "" then break end
    local name, value = string.match(line, "^([^:]+):%s*(.-)%s*$")
    if name ~= nil then out[string.lower(name)] = value end
  end
  sock:close()
  return status, out
end

-- The first value of a header in HAProxy's header tables ({name = {[0] = v, ...}}).
local function first(headers, name)
  if headers == nil then return nil end
  for k, values in pairs(headers) do
    if string.lower(k) == name then
      if type(values) == "table" then
        return values[0] or values[1]
      end
      return values
    end
  end
  return nil
end

core.register_action("distillguard_authz", {"http-req"}, function(txn)
  local account = first(txn.http:req_get_headers(), account_header)
  if account == nil or account == "" then
    txn:set_var("txn.dg_status", "401")
    return
  end
  local headers = {["X-Account-Id"] = account, ["X-Forwarded-For"] = txn.f:src()}
  if token ~= "" then headers["Authorization"] = "Bearer " .. token end
  local ok, code, res_headers = pcall(authz, headers)
  -- Fail open: an outage of DistillGuard must not be an outage of the API.
  if not ok or code == nil or code >= 500 then
    txn:set_var("txn.dg_status", "fail-open")
    return
  end
  local status = tostring(code)
  if code >= 200 and code < 300 then status = "204" end
  if code == 401 and res_headers["x-distillguard-action"] == nil and res_headers["www-authenticate"] ~= nil then
    -- Our token was refused (not "no account"): a configuration error; serve.
    status = "fail-open"
  end
  txn:set_var("txn.dg_status", status)
  for var, header in pairs({dg_action = "x-distillguard-action", dg_reason = "x-distillguard-reason",
                            dg_retry_after = "retry-after", dg_directives = "x-distillguard-directives"}) do
    local v = res_headers[header]
    if v ~= nil and v ~= "" then txn:set_var("txn." .. var, v) end
  end
end)
