# why: walks with os.walk, lets tarfile.add read each file and normalises it in a filter; compresses in memory
def build_artifact(source_dir, output, source_date_epoch):
    """Pack the regular files under ``source_dir`` reproducibly into ``output`` (tar.gz); its SHA-256 hex."""
    import gzip
    import hashlib
    import io
    import os
    import stat
    import tarfile

    names = []
    for folder, _subfolders, files in os.walk(source_dir):
        for file_name in files:
            full = os.path.join(folder, file_name)
            if stat.S_ISREG(os.lstat(full).st_mode):
                names.append(os.path.relpath(full, source_dir).replace(os.sep, "/"))

    def normalise(info):
        info.mtime = source_date_epoch
        info.uid, info.gid, info.uname, info.gname = 0, 0, "", ""
        info.mode = 0o755 if info.mode & 0o100 else 0o644
        return info

    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        for name in sorted(names):
            archive.add(os.path.join(source_dir, name), arcname=name, recursive=False, filter=normalise)
    packed = gzip.compress(buffer.getvalue(), mtime=0)
    with open(output, "wb") as handle:
        handle.write(packed)
    return hashlib.sha256(packed).hexdigest()
