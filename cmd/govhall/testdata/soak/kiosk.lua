-- The soak's kiosk load for wrk: every request is a path drawn at random
-- from the file named after `--` (one path a line; a path listed twice is
-- drawn twice as often), sent as from one of 65 536 clients behind the
-- hall's reverse proxy (X-Forwarded-For; the server trusts 127.0.0.1), so
-- that the per-client limit of 查询码 lookups applies per citizen and not
-- to the whole hall. Responses are counted by status; done() prints one
-- line, SOAK_WRK {json}, that the soak reads.

local paths = {}
counts = {} -- global: done() reads it from each thread
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  for line in io.lines(args[1]) do
    if line ~= "" then
      table.insert(paths, line)
    end
  end
  math.randomseed(os.time() + tonumber(tostring(paths):match("0x(%x+)") or "0", 16) % 100000)
end

function request()
  local p = paths[math.random(#paths)]
  local ip = string.format("10.%d.%d.%d", math.random(0, 255), math.random(0, 255), math.random(1, 254))
  return wrk.format("GET", p, { ["X-Forwarded-For"] = ip })
end

function response(status, headers, body)
  counts[status] = (counts[status] or 0) + 1
end

function done(summary, latency, requests)
  local byStatus = {}
  for _, thread in ipairs(threads) do
    for status, n in pairs(thread:get("counts")) do
      byStatus[status] = (byStatus[status] or 0) + n
    end
  end
  local parts = {}
  for status, n in pairs(byStatus) do
    table.insert(parts, string.format('"%d":%d', status, n))
  end
  local e = summary.errors
  io.write(string.format('SOAK_WRK {"requests":%d,"duration_us":%d,"connect":%d,"read":%d,"write":%d,"timeout":%d,' ..
    '"p50_us":%d,"p90_us":%d,"p99_us":%d,"max_us":%d,"statuses":{%s}}\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, table.concat(parts, ",")))
end
