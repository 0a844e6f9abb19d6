---@meta omni.core.yaml
--- omni.core.yaml (bindings/yaml.c): YAML text to Lua values (libyaml, typed
--- as PyYAML's safe_load types them) and a streaming writer. Tests use
--- omni.yaml (load/dump of tables, files); this is what it is built on.
---
--- ```lua
--- local core = require "omni.core.yaml"
--- local docs = assert(core.load("a: 1\n---\n[x, ~]\n", "inline.yaml"))
--- print(docs[1].a, docs[2][2] == core.null)   --> 1  true
--- local w = core.writer(); w:map_start(); w:string("k"); w:number(5); w:map_end()
--- print(w:finish())
--- ```
local M = {}

--- YAML null: the lightuserdata NULL, the same value as `cjson.null`.
---@type lightuserdata
M.null = {} -- a placeholder: the real value is a NULL lightuserdata

--- The metatable an empty mapping gets (so it dumps as `{}`, not `[]`).
---@type table
M.mapping_mt = {}

--- Every document of `text`, in order. Aliases share one table. A syntax
--- error returns `nil, "name:line:col: problem", "EYAML"` (`name` defaults
--- to "<string>").
---@param text string
---@param name? string file name for messages
---@return any[]? docs
---@return string? err
---@return string? code
function M.load(text, name) end

---@class omni.core.yaml.Writer
local Writer = {}

--- A new writer of one YAML document; each call returns true or `nil, err`.
---@return omni.core.yaml.Writer
function M.writer() end

--- Writes `~`.
---@return true? ok
---@return string? err
function Writer:null() end

--- Writes true or false.
---@param b boolean
---@return true? ok
---@return string? err
function Writer:bool(b) end

--- Writes an integer or a float (round-trippable).
---@param n number
---@return true? ok
---@return string? err
function Writer:number(n) end

--- Writes a string, quoted when YAML would read it as another type.
---@param s string
---@return true? ok
---@return string? err
function Writer:string(s) end

--- Starts a sequence.
---@return true? ok
---@return string? err
function Writer:seq_start() end

--- Ends a sequence.
---@return true? ok
---@return string? err
function Writer:seq_end() end

--- Starts a mapping (then alternate keys and values).
---@return true? ok
---@return string? err
function Writer:map_start() end

--- Ends a mapping.
---@return true? ok
---@return string? err
function Writer:map_end() end

--- The YAML text of the finished document.
---@return string? text
---@return string? err
function Writer:finish() end

--- Frees the writer; harmless twice (also `<close>` and GC).
function Writer:close() end

return M
