-- One wrk script for every workload and target:
--   WORKLOAD=w1..w5  TARGET=gateway|postgraphile  KEYS=bench/out  wrk -s bench/wrk/graphql.lua URL
-- Each request draws a random line of $KEYS/<workload>.tsv (keys and the viewer's token, see
-- bench/keys.mjs) and POSTs the workload's GraphQL operation as JSON.

local workload = os.getenv("WORKLOAD") or "w1"
local target = os.getenv("TARGET") or "gateway"
local keys_dir = os.getenv("KEYS") or "bench/out"
-- W3's page size (PAGE=5: the same answer size on 10,000 rows, where a category's mentors visible
-- to a colleague fill fewer than 20 rows, as on 1,000,000; see bench/size-compare.sh).
local w3_page = tonumber(os.getenv("PAGE") or "20")

local function split(line)
  local fields = {}
  for field in string.gmatch(line, "[^\t]+") do fields[#fields + 1] = field end
  return fields
end

-- PostGraphile's W5 cursors are its own: compare.sh writes them to pgl-w5*.tsv.
local keys_file = keys_dir .. "/" .. ((target == "postgraphile" and workload:sub(1, 2) == "w5") and "pgl-" or "") .. workload .. ".tsv"
local rows = {}
local file = io.open(keys_file, "r")
if file == nil then error("no keys file " .. keys_file .. ": run bench/compare.sh") end
for line in file:lines() do rows[#rows + 1] = split(line) end
file:close()

local function quote(s) return '"' .. s:gsub('\\', '\\\\'):gsub('"', '\\"') .. '"' end

-- Every field of an interest, in both services' shapes (PostGraphile returns its JSON columns
-- as JSON scalars; the gateway's are objects, asked for with their fields).
local FIELDS = "id userId displayName description webUrl thumbnailUrl isSearchable categories "
  .. "collaborationTags allowedAudiences inference { confidenceScore userHasVerifiedAccuracy } "
  .. "source { type } createdBy { user { id displayName } } lastModifiedBy { user { id displayName } } "
  .. "createdDateTime lastModifiedDateTime etag"
local CONNECTION = "{ edges { cursor node { " .. FIELDS .. " } } pageInfo { hasNextPage endCursor } }"

-- Gateway operations; each returns body, token.
local gateway = {
  w1 = function(r)
    return '{"query":"query($id: ID!) { interest(id: $id) { ' .. FIELDS .. ' } }","variables":{"id":'
      .. quote(r[1]) .. '}}', r[2]
  end,
  w2 = function(r)
    return '{"query":"query($u: ID!) { user(id: $u) { interests(first: 20, orderBy: {field: CREATED_DATE_TIME}) '
      .. CONNECTION .. ' } }","variables":{"u":' .. quote(r[1]) .. '}}', r[2]
  end,
  w3 = function(r)
    return '{"query":"query($c: String!) { interests(first: ' .. w3_page .. ', filter: {collaborationTags: [ABLE_TO_MENTOR], '
      .. 'categories: [$c]}, orderBy: {field: CREATED_DATE_TIME, direction: DESC}) ' .. CONNECTION
      .. ' }","variables":{"c":' .. quote(r[1]) .. '}}', r[2]
  end,
  w4 = function(r)
    return '{"query":"mutation { createInterest(input: {displayName: \\"Benchmarking\\", description: \\"Created by the benchmark\\", '
      .. 'webUrl: \\"https://example.com/w4\\", categories: [\\"Performance\\", \\"Databases\\"], collaborationTags: [WANTS_TO_LEARN], '
      .. 'allowedAudiences: ME, source: {type: [\\"bench\\"]}}) { ' .. FIELDS .. ' } }"}', r[1]
  end,
  w5 = function(r)
    local after = r[1] == "-" and "null" or quote(r[1])
    return '{"query":"query($after: String) { interests(first: 20, after: $after, orderBy: {field: CREATED_DATE_TIME}) '
      .. CONNECTION .. ' }","variables":{"after":' .. after .. '}}', r[2]
  end,
}

local build
if target == "postgraphile" then
  build = dofile("bench/wrk/postgraphile.lua")[workload:sub(1, 2)]
else
  build = gateway[workload:sub(1, 2)]
end
if build == nil then error("unknown workload " .. workload .. " for " .. target) end

request = function()
  local body, token = build(rows[math.random(#rows)])
  local headers = { ["Content-Type"] = "application/json" }
  if token ~= nil and target == "gateway" then headers["Authorization"] = "Bearer " .. token end
  return wrk.format("POST", "/graphql", headers, body)
end

-- CHECK=1 (a short run before the measured ones) reports every response that is not a 200
-- with data and no errors, so a fast error never passes for a fast answer. Off while measuring:
-- a response callback makes wrk read every body into Lua.
if os.getenv("CHECK") == "1" then
  response = function(status, headers, body)
    -- An empty page or a missing interest is as suspect as an error: the keys or the data are
    -- wrong (a seed that left the pairs' audience copies empty once made W3 fast and empty).
    -- W1's keys are read by their owner; W3's categories each hold many visible mentors.
    local w = workload:sub(1, 2)
    local empty = target == "gateway" and (w == "w1" or w == "w3")
      and (string.find(body, '"edges":[]', 1, true) or string.find(body, '"interest":null', 1, true))
    if status ~= 200 or empty or string.find(body, '"errors"', 1, true) or not string.find(body, '"data"', 1, true) then
      io.stderr:write("BAD " .. status .. ": " .. string.sub(body, 1, 300) .. "\n")
    end
  end
end

done = function(summary, latency, requests)
  io.write(string.format("RESULT requests=%d duration_us=%d rps=%.1f p50_ms=%.2f p99_ms=%.2f errors=%d\n",
    summary.requests, summary.duration, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
