# Configuration Manager Application, detection method script: "installed" means healthy.
#
# The deployment type's installation program runs mend fix (see README.md); ConfigMgr runs
# this script before and after it, and again after any restart the program's 3010 asked for.
# ConfigMgr's rule for detection scripts: exit 0 with something on stdout = installed
# (healthy), exit 0 with nothing on stdout = not installed (a stuck policy: run the program),
# a non-zero exit = detection error. Runs "mend.exe check" (read-only).
# Saved as UTF-8 without BOM, ASCII only.
#
# GENERATED from contrib/powershell/sccm/App-Detection.ps1.in and contrib/powershell/shared.ps1.in
# by contrib/powershell/generate.py: edit those, not this file, then run
# "python3 contrib/powershell/generate.py" (tests/fleet fails when they differ).

$MendArguments = 'check --summary'

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 2

# Intune and ConfigMgr show one line; keep ours on one line and under Intune's 2,048-character limit.
function Write-MendLine([string]$Text) {
    $t = ($Text -replace '[\x00-\x1F\x7F]', ' ').Trim()
    if ($t.Length -gt 2000) { $t = $t.Substring(0, 2000) + '...' }
    Write-Output $t
}

function Find-Mend {
    # 32-bit PowerShell sees "Program Files (x86)" as ProgramFiles; ProgramW6432 is the real one.
    $candidates = @()
    if ($PSScriptRoot) { $candidates += (Join-Path $PSScriptRoot 'mend.exe') }
    foreach ($root in @($env:ProgramW6432, $env:ProgramFiles)) {
        if ($root) { $candidates += (Join-Path $root 'mend\mend.exe') }
    }
    foreach ($c in $candidates) {
        if (Test-Path -LiteralPath $c -PathType Leaf) { return $c }
    }
    return $null
}

# Runs mend with its output read as UTF-8 (policy names can be any script); returns the exit
# code, stdout lines and mend's own error line from stderr.
function Invoke-Mend([string]$Exe, [string]$Arguments) {
    $utf8 = New-Object System.Text.UTF8Encoding $false
    $psi = New-Object System.Diagnostics.ProcessStartInfo
    $psi.FileName = $Exe
    $psi.Arguments = $Arguments
    $psi.UseShellExecute = $false
    $psi.CreateNoWindow = $true
    $psi.RedirectStandardOutput = $true
    $psi.RedirectStandardError = $true
    $psi.StandardOutputEncoding = $utf8
    $psi.StandardErrorEncoding = $utf8
    $p = [System.Diagnostics.Process]::Start($psi)
    $stderr = $p.StandardError.ReadToEndAsync()
    $stdout = $p.StandardOutput.ReadToEnd()
    $p.WaitForExit()
    $errLines = @($stderr.Result -split "`r?`n" | Where-Object { $_.Trim() -ne '' })
    return @{
        Code  = $p.ExitCode
        Lines = @($stdout -split "`r?`n" | Where-Object { $_.Trim() -ne '' })
        Error = $(if ($errLines.Count -eq 0) { '' } else {
                    $own = @($errLines | Where-Object { $_ -like 'mend:*' })
                    if ($own.Count -gt 0) { $own[0] } else { $errLines[0] } })
    }
}

try { [Console]::OutputEncoding = New-Object System.Text.UTF8Encoding $false } catch { }

$mend = Find-Mend
if (-not $mend) {
    Write-MendLine 'mend: failed: mend.exe not found beside this script or in %ProgramFiles%\mend; deploy mend first'
    exit 2
}

try {
    $run = Invoke-Mend $mend $MendArguments
} catch {
    Write-MendLine ("mend: failed: could not start {0}: {1}" -f $mend, $_.Exception.Message)
    exit 2
}

switch ($run.Code) {
    0 { Write-Output 'mend: healthy'; exit 0 }
    { $_ -eq 1 -or $_ -eq 3 } { exit 0 }   # not "installed": ConfigMgr runs the fix
    default {
        [Console]::Error.WriteLine(("mend: failed: mend check exited {0}: {1}" -f $run.Code, $run.Error))
        exit 1
    }
}
