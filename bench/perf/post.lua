-- wrk script: the same non-streaming chat request omnilua bench --no-stream sends.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"model":"omni-dummy","messages":[{"role":"user","content":[{"type":"text","text":"the of and to in is was for"}]}],"max_completion_tokens":8,"stream":false,"ignore_eos":true,"modalities":["text"]}'
