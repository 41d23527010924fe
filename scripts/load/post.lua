-- wrk script: POST the JSON body in $BODY_FILE with the API key in $KITH_KEY.
-- With IDEMPOTENCY=1 every request carries a fresh Idempotency-Key.
local body_file = os.getenv("BODY_FILE")
local f = assert(io.open(body_file, "rb"))
wrk.method = "POST"
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("KITH_KEY")

local idempotent = os.getenv("IDEMPOTENCY") == "1"
local counter = 0
thread_tag = "main"

function setup(thread)
  thread:set("thread_tag", tostring(math.random(1, 1000000000)))
end

function request()
  if not idempotent then
    return wrk.request()
  end
  counter = counter + 1
  local headers = {}
  for k, v in pairs(wrk.headers) do headers[k] = v end
  headers["Idempotency-Key"] = thread_tag .. "-" .. counter
  return wrk.format(nil, nil, headers)
end

-- Fail loudly if the server answered anything but the expected status.
local unexpected = 0
function response(status, headers, body)
  local expected = tonumber(os.getenv("EXPECT_STATUS") or "200")
  if status ~= expected then
    unexpected = unexpected + 1
    if unexpected <= 3 then io.stderr:write("unexpected status " .. status .. ": " .. body:sub(1, 300) .. "\n") end
  end
end
