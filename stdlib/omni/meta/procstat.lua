---@meta omni.core.procstat
--- omni.core.procstat (bindings/procstat.c): resident memory and CPU time
--- of processes and process groups, read from /proc, and a sampler thread
--- with a bounded buffer (for L5 stability runs: does the server's memory
--- grow?).
---
--- ```lua
--- local ps = require "omni.core.procstat"
--- print(ps.self().rss_bytes)
--- local s <close> = assert(ps.sampler(server.pid, 1.0))   -- the server's process group
--- ... ; for _, x in ipairs(s:drain()) do print(x.t_ns, x.rss_bytes, x.cpu_s) end
--- ```
local M = {}

---@class omni.core.procstat.Proc
---@field pid integer
---@field ppid integer
---@field pgrp integer process group
---@field state string one letter, as in /proc/PID/stat ("R", "S", "Z", ...)
---@field comm string the command name
---@field rss_bytes integer resident memory
---@field cpu_s number user + system CPU seconds
---@field threads integer
---@field start_ticks integer start time in clock ticks after boot (tells a reused pid apart)

---@class omni.core.procstat.Group
---@field procs integer processes in the group (0: the group is gone)
---@field rss_bytes integer sum over the group
---@field cpu_s number sum over the group
---@field threads integer sum over the group
---@field list omni.core.procstat.Proc[] the processes (at most 1024 listed; the totals count all)

---@class omni.core.procstat.Sample
---@field t_ns integer monotonic time of the sample
---@field pgid integer
---@field procs integer
---@field rss_bytes integer
---@field cpu_s number
---@field threads integer

--- One process. A missing process gives `nil, "no process 123", "ESRCH"`.
---@param pid integer
---@return omni.core.procstat.Proc? proc
---@return string? err
---@return string? code "ESRCH" | "EACCES" | "EIO"
function M.read(pid) end

--- This process, as read().
---@return omni.core.procstat.Proc? proc
---@return string? err
---@return string? code
function M.self() end

--- The totals of a process group and its processes.
---@param pgid integer
---@return omni.core.procstat.Group? group
---@return string? err
---@return string? code "EIO"
function M.group(pgid) end

---@class omni.core.procstat.Sampler
local Sampler = {}

--- Starts a thread that samples group `pgid` now and then every
--- `interval` seconds (> 0; floor 1 ms).
---@param pgid integer
---@param interval number
---@return omni.core.procstat.Sampler? sampler
---@return string? err
---@return string? code "ENOMEM"
function M.sampler(pgid, interval) end

--- The samples taken since the last drain, oldest first; they are
--- forgotten here, so a week-long sampler holds only what was not drained.
---@return omni.core.procstat.Sample[]
function Sampler:drain() end

--- Samples another group from the next tick on (a restarted server).
---@param pgid integer
function Sampler:set_group(pgid) end

--- Samples lost because nobody drained them (the buffer is bounded).
---@return integer
function Sampler:dropped() end

--- Stops and joins the thread; the samples stay drainable.
function Sampler:stop() end

--- Stops and frees; harmless twice (also `<close>` and GC).
function Sampler:close() end

return M
