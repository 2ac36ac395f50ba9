-- PostGraphile v5's operations for the same questions (bench/postgraphile/queries), drawing
-- the same keys as the gateway's (bench/keys.mjs); loaded by graphql.lua. No tokens: the
-- audience rule of W3 is the viewer's organization passed to pgl.mentors.
local function quote(s) return '"' .. s:gsub('\\', '\\\\'):gsub('"', '\\"') .. '"' end

local FIELDS = "rowId userId displayName description webUrl thumbnailUrl isSearchable categories "
  .. "collaborationTags allowedAudiences inference source createdBy lastModifiedBy "
  .. "createdDateTime lastModifiedDateTime version"
local CONNECTION = "{ edges { cursor node { " .. FIELDS .. " } } pageInfo { hasNextPage endCursor } }"

return {
  w1 = function(r)
    return '{"query":"query($id: UUID!) { interestByRowId(rowId: $id) { ' .. FIELDS .. ' } }","variables":{"id":'
      .. quote(r[1]) .. '}}'
  end,
  w2 = function(r)
    return '{"query":"query($u: String!) { allInterests(condition: {userId: $u}, orderBy: [CREATED_DATE_TIME_ASC, ROW_ID_ASC], first: 20) '
      .. CONNECTION .. ' }","variables":{"u":' .. quote(r[1]) .. '}}'
  end,
  w3 = function(r)
    return '{"query":"query($c: String!, $t: String!) { mentors(category: $c, viewerTenant: $t, first: 20) '
      .. CONNECTION .. ' }","variables":{"c":' .. quote(r[1]) .. ',"t":' .. quote(r[3]) .. '}}'
  end,
  w4 = function(r)
    return '{"query":"mutation($i: InterestInput!) { createInterest(input: {interest: $i}) { interest { ' .. FIELDS
      .. ' } } }","variables":{"i":{"userId":' .. quote(r[2]) .. ',"ownerTenant":' .. quote(r[3])
      .. ',"displayName":"Benchmarking","description":"Created by the benchmark","webUrl":"https://example.com/w4",'
      .. '"isSearchable":true,"categories":["Performance","Databases"],"collaborationTags":["WANTS_TO_LEARN"],'
      .. '"allowedAudiences":"ME","source":{"type":["bench"]},"createdBy":{"user":{"id":' .. quote(r[2])
      .. '}},"lastModifiedBy":{"user":{"id":' .. quote(r[2]) .. '}}}}}'
  end,
  w5 = function(r)
    local after = r[1] == "-" and "null" or quote(r[1])
    return '{"query":"query($after: Cursor) { allInterests(orderBy: [CREATED_DATE_TIME_ASC, ROW_ID_ASC], first: 20, after: $after) '
      .. CONNECTION .. ' }","variables":{"after":' .. after .. '}}'
  end,
}
