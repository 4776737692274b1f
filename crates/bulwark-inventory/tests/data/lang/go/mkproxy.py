import json, os, sys, zipfile
src, out = sys.argv[1], sys.argv[2]
for mod, ver in [("greet", "v1.2.3"), ("greet-fork", "v1.2.4"), ("plain", "v0.3.0"), ("tool", "v1.0.0")]:
    path = f"example.com/{mod}"
    d = os.path.join(out, path, "@v")
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "list"), "a") as f:
        f.write(ver + "\n")
    json.dump({"Version": ver, "Time": "2024-01-01T00:00:00Z"}, open(os.path.join(d, ver + ".info"), "w"))
    gomod = open(os.path.join(src, mod, "go.mod")).read()
    open(os.path.join(d, ver + ".mod"), "w").write(gomod)
    with zipfile.ZipFile(os.path.join(d, ver + ".zip"), "w") as z:
        for name in sorted(os.listdir(os.path.join(src, mod))):
            z.writestr(f"{path}@{ver}/{name}", open(os.path.join(src, mod, name)).read())
