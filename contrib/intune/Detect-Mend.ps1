# Intune Remediations detection script: is an IPsec policy stuck pending deletion (0x32DF)?
#
# Runs "mend.exe check --summary" (read-only) and keeps Intune's convention:
#   exit 0  healthy (Intune does nothing)
#   exit 1  issue found (Intune runs Remediate-Mend.ps1); a policy named in $MendArguments
#           that does not exist is one too (a typo must not read compliant forever)
#   exit 2  mend could not run (Intune shows the detection as failed)
# The last line of output is mend's one-line summary (under 2,048 characters), which Intune
# shows as "pre-remediation detection output".
#
# Deploy: Intune > Devices > Remediations > Create; detection script = this file, remediation
# script = Remediate-Mend.ps1; "Run this script using the logged-on credentials" = No;
# "Run script in 64-bit PowerShell" = Yes. mend.exe is installed to %ProgramFiles%\mend (or
# packaged beside this script). Saved as UTF-8 without BOM, ASCII only.
#
# GENERATED from contrib/powershell/intune/Detect-Mend.ps1.in and contrib/powershell/shared.ps1.in
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

# Only mend's last line, its summary: Intune keeps one line under 2,048 characters.
$summary = $(if ($run.Lines.Count -gt 0) { $run.Lines[-1] } else { '' })

switch ($run.Code) {
    0 { Write-MendLine $summary; exit 0 }
    1 { Write-MendLine $summary; exit 1 }
    3 { Write-MendLine $summary; exit 1 }   # a stuck policy that only a reboot clears is still an issue found
    2 {
        Write-MendLine ("mend: failed: mend check exited 2 (usage, configuration or script error): {0}" -f $run.Error)
        exit 2
    }
    default {
        Write-MendLine ("mend: failed: mend check exited {0}: {1}" -f $run.Code, $run.Error)
        exit 2
    }
}
