---@meta omni.core.expr
--- omni.core.expr (bindings/expr.c): pytest's `-m` / `-k` expressions
--- (`and`, `or`, `not`, parentheses, identifiers; `-m` also takes calls
--- such as `timeout(seconds=5)`), compiled once in C and matched against
--- each test's marks or keywords. The grammar and messages are in
--- docs/reference/selection.md.
---
--- ```lua
--- local expr = require "omni.core.expr"
--- local e = assert(expr.compile("gpu and not slow", "m"))
--- print(e:match_marks({ "gpu", { name = "timeout", kwargs = { seconds = 5 } } }))  --> true
--- print(expr.compile("gpu and", "m"))   --> nil  <message pointing at the column>
--- ```
local M = {}

---@class omni.core.expr.Expr
local Expr = {}

--- Compiles an expression: kind "m" (marks, the default) or "k" (keywords,
--- no calls). A syntax error returns nil and pytest's message.
---@param src string
---@param kind? "m"|"k"
---@return omni.core.expr.Expr? compiled
---@return string? err
function M.compile(src, kind) end

--- Matches a test's marks: each a name, or a table `{ name = ..., kwargs = {...} }`
--- (a call `name(k=v)` matches a mark whose kwargs hold every k=v).
---@param marks (string|{name: string, kwargs?: table})[]
---@return boolean
function Expr:match_marks(marks) end

--- Matches keywords (file name, test name, marks, ...): an identifier
--- matches when it is a case-insensitive substring of one keyword.
---@param words string[]
---@return boolean
function Expr:match_keywords(words) end

--- The identifiers of the expression in source order (to check marks are registered).
---@return string[]
function Expr:names() end

return M
