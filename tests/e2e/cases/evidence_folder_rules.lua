-- mend capture --evidence DIR writes only into a new or empty DIR: a folder holding anything is
-- refused (exit 2, nothing written) unless --force, which still leaves other files alone; mend's
-- own state folder is never a target; --force and --from-evidence belong to capture.
return {
  scenario = "scenarios/demo.lua",
  test = function(t, work)
    local dir = work .. "/busy"
    os.execute("mkdir -p " .. t.shq(dir))
    t.write(dir .. "/keep.txt", "the admin's own notes\n")
    local res = t.mend(work, { "capture", "--evidence", dir }, { json = false })
    t.eq(res.rc, 2, "exit code for a non-empty folder")
    t.check(res.stderr:find("is not empty", 1, true) and res.stderr:find("--force", 1, true),
            "the refusal names the folder and --force:\n%s", res.stderr)
    t.eq(table.concat(t.listdir(dir), ","), "keep.txt", "files in the refused folder")

    res = t.mend(work, { "capture", "--evidence", dir, "--force" }, { json = false })
    t.eq(res.rc, 0, "exit code with --force")
    t.eq(t.read(dir .. "/keep.txt"), "the admin's own notes\n", "keep.txt after --force")
    t.check(t.exists(dir .. "/manifest.json") and t.exists(dir .. "/store.reg"), "the bundle is written beside it")

    -- A new folder (its parent exists) is created.
    res = t.mend(work, { "capture", "--evidence", work .. "/fresh" }, { json = false })
    t.eq(res.rc, 0, "exit code for a new folder")
    t.check(t.exists(work .. "/fresh/manifest.json"), "the new folder holds the manifest")

    -- mend's state folder stays mend's.
    res = t.mend(work, { "capture", "--evidence", work .. "/state/bundle" }, { json = false })
    t.eq(res.rc, 2, "exit code for a folder inside mend's state folder")
    t.check(res.stderr:find("scripts may not change mend's state folder", 1, true), "the refusal says why:\n%s", res.stderr)
    t.check(not t.exists(work .. "/state/bundle/manifest.json"), "nothing written in the state folder")

    res = t.mend(work, { "check", "--force" }, { json = false })
    t.eq(res.rc, 2, "--force outside capture")
    t.check(res.stderr:find("--force only applies to mend capture", 1, true), "usage message:\n%s", res.stderr)
    res = t.mend(work, { "capture", "--evidence", dir, "-o", work .. "/x.lua" }, { json = false })
    t.eq(res.rc, 2, "--evidence with -o")
    res = t.mend(work, { "capture", "--evidence", work .. "/named", "Corp-QM" }, { json = false })
    t.eq(res.rc, 2, "--evidence with a policy name")
    t.check(res.stderr:find("takes no policy names", 1, true), "the error says why:\n%s", res.stderr)
    t.check(not t.exists(work .. "/named/manifest.json"), "nothing written for a refused command")
  end,
}
