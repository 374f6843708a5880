# why: frames every field with its length in one incremental hash, runs each stage with Popen and kills it on timeout
def run_pipeline(stages, workdir, cache):
    """Run ``stages`` in order in ``workdir``; a list of (name, status), status in ran/failed/cached/skipped."""
    import hashlib
    import os
    import subprocess

    def framed(digest, data):
        digest.update(len(data).to_bytes(8, "big"))
        digest.update(data)

    results = []
    index = 0
    while index < len(stages):
        stage = stages[index]
        index += 1
        digest = hashlib.sha256()
        for text in (stage.name, stage.version, *stage.command, "--inputs--"):
            framed(digest, text.encode())
        for name in stage.inputs:
            framed(digest, name.encode())
            with open(os.path.join(workdir, name), "rb") as handle:
                framed(digest, handle.read())
        key = "stage:" + digest.hexdigest()
        if key in cache:
            results.append((stage.name, "cached"))
            continue
        process = subprocess.Popen(stage.command, cwd=workdir, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            code = process.wait(timeout=stage.timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            code = None
        if code == 0:
            cache[key] = stage.name
            results.append((stage.name, "ran"))
            continue
        results.append((stage.name, "failed"))
        results.extend((later.name, "skipped") for later in stages[index:])
        break
    return results
