-- One fixed request for wrk, from the environment: BENCH_METHOD, BENCH_BODY, BENCH_TOKEN (optional bearer token).
wrk.method = os.getenv("BENCH_METHOD") or "GET"
local body = os.getenv("BENCH_BODY")
if body ~= nil and body ~= "" then
  wrk.body = body
  wrk.headers["Content-Type"] = "application/json"
end
wrk.headers["Accept"] = "application/json, text/event-stream"
local token = os.getenv("BENCH_TOKEN")
if token ~= nil and token ~= "" then
  wrk.headers["Authorization"] = "Bearer " .. token
end
