-- POST /api/v1/deliveries for bench/wrk/deliveries.sh: a fresh body each request; KEY, CUSTOMERS (comma-separated) and SCHEDULED from the environment.
local key = os.getenv("KEY")
local customers = {}
for c in string.gmatch(os.getenv("CUSTOMERS"), "[^,]+") do customers[#customers + 1] = c end
local scheduled = os.getenv("SCHEDULED")
local counter = 0
request = function()
  counter = counter + 1
  local body = string.format('{"customer_id":"%s","address":"%d Main St","coordinates":{"type":"Point","coordinates":[-74.0,40.7]},"scheduled_time":"%s","priority":"normal","package_details":{"weight":1.5,"fragile":%s}}',
    customers[(counter % #customers) + 1], counter, scheduled, (counter % 4 == 0) and "true" or "false")
  return wrk.format("POST", "/api/v1/deliveries", { ["Content-Type"] = "application/json", ["X-API-Key"] = key }, body)
end
