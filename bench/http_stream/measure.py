"""Runs one client command and reports its JSON line plus the CPU time the
client process used (getrusage of the child: user + system), so the server's
work never counts."""
import json
import os
import subprocess
import sys

p = subprocess.Popen(sys.argv[1:], stdout=subprocess.PIPE)
out = p.stdout.read()
_, status, ru = os.wait4(p.pid, 0)
res = json.loads(out.decode().strip().splitlines()[-1])
res["cpu_s"] = ru.ru_utime + ru.ru_stime
res["exit"] = os.waitstatus_to_exitcode(status)
print(json.dumps(res))
