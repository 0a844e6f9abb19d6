--- The registry of test marks. A mark used by a test must be registered
--- (strict, as pytest's --strict-markers): the defaults below, plus any a
--- conftest.lua registers with `omni.register_mark(name, description)`.
local M = {}

local defaults = {
  { "core_model", "core validation: shape and protocol of the answers (run level core_model)" },
  { "advanced_model", "advanced validation: content, key words, decoded media (run level advanced_model)" },
  { "cpu", "runs on CPU only" },
  { "gpu", "needs a usable CUDA device; skipped with a reason when there is none" },
  { "slow", "takes long; deselect with -m 'not slow'" },
  { "benchmark", "a performance measurement rather than a functional check" },
  { "omni", "exercises the omni-modal serving stack" },
  { "diffusion", "exercises a diffusion (image generation) model" },
  { "timeout", "timeout(seconds=N): this test's time limit (same as the timeout option)" },
}

local registry, order = {}, {}

---@param name string
---@param description string
---@param where? string file:line of the registration, for duplicates
function M.register(name, description, where)
  if type(name) ~= "string" or not name:match("^[%a_][%w_]*$") then
    error(string.format("bad mark name %s: use letters, digits and _", tostring(name)), 3)
  end
  if not registry[name] then order[#order + 1] = name end
  registry[name] = { name = name, description = description or "", where = where }
end

for _, d in ipairs(defaults) do M.register(d[1], d[2], "builtin") end

---@param name string
---@return boolean
function M.known(name) return registry[name] ~= nil end

--- All marks in registration order: { {name=, description=, where=} ... }.
---@return table[]
function M.list()
  local out = {}
  for _, n in ipairs(order) do out[#out + 1] = registry[n] end
  return out
end

---@return string[]
function M.names() return { table.unpack(order) } end

return M
