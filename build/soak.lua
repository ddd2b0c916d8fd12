-- wrk script for build/soak: cycles through the session tokens in the file given after "--",
-- one Bearer token per request, so every session is exercised for the whole run.
local tokens = {}
local i = 0

function init(args)
  for line in io.lines(args[1]) do
    if #line > 0 then tokens[#tokens + 1] = line end
  end
end

function request()
  i = i % #tokens + 1
  return wrk.format("GET", nil, { ["Authorization"] = "Bearer " .. tokens[i] })
end
