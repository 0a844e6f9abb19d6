-- hooks for tests/soak: the custom entry asks for 3 tokens; check() fails
-- no window unless SOAK_HOOK_FAIL is set
local M = {}
function M.request(i, rng, entry, default)
  if entry.name == "hooked" then
    return { model = default.body.model, messages = { { role = "user", content = "hook " .. i } }, max_tokens = 3, modalities = { "text" } }
  end
end
function M.check(window)
  if os.getenv("SOAK_HOOK_FAIL") then return false, "forced failure in window " .. window.index end
  return true
end
return M
