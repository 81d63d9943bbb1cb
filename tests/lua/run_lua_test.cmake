# Runs one Lua test: copies the scenario to a fresh state file, then `mend run` on it.
# Optional checks, set per test through its ENVIRONMENT (all off by default):
#   MEND_TEST_EXPECT_RC=N           the exit code mend must return (default 0)
#   MEND_TEST_SETUP=block_backups   puts a plain file where <state dir>/backups would go
#   MEND_TEST_STATE_UNCHANGED=1     the state file must be byte-for-byte the scenario afterwards
#   MEND_TEST_REPORT="a.b=v|c=w"    writes --report and checks those JSON fields (strings as is,
#                                   numbers and true/false as JSON prints them)
#   MEND_TEST_OUTPUT=text           stderr must contain text
#   MEND_TEST_SCRIPT_ARGS="a b"     arguments after the script (mend.args)
file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${WORK})
configure_file(${SCENARIO} ${WORK}/state.lua COPYONLY)
# ARGS arrives as a CMake list ("--allow;kill"): one command-line word per item.
string(REPLACE ";" " " ARGS "${ARGS}")
separate_arguments(extra UNIX_COMMAND "${ARGS}")

if("$ENV{MEND_TEST_SETUP}" STREQUAL "block_backups")
  file(MAKE_DIRECTORY $ENV{MEND_STATE_DIR})
  file(WRITE $ENV{MEND_STATE_DIR}/backups "a file where the backups folder should be\n")
endif()

separate_arguments(script_args UNIX_COMMAND "$ENV{MEND_TEST_SCRIPT_ARGS}")
set(report_args)
if(DEFINED ENV{MEND_TEST_REPORT})
  set(report_args --report ${WORK}/report.json)
endif()

execute_process(COMMAND ${MEND} run --host sim:${WORK}/state.lua --journal ${WORK}/journal.jsonl
                        ${report_args} ${extra} ${SCRIPT} ${script_args}
                WORKING_DIRECTORY ${WORK} RESULT_VARIABLE rc ERROR_VARIABLE err)
message("${err}")

set(want_rc 0)
if(DEFINED ENV{MEND_TEST_EXPECT_RC})
  set(want_rc $ENV{MEND_TEST_EXPECT_RC})
endif()
if(NOT rc EQUAL want_rc)
  message(FATAL_ERROR "${SCRIPT} exited with ${rc} (expected ${want_rc})")
endif()

if(DEFINED ENV{MEND_TEST_OUTPUT})
  string(FIND "${err}" "$ENV{MEND_TEST_OUTPUT}" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "stderr does not contain '$ENV{MEND_TEST_OUTPUT}'")
  endif()
endif()

if(DEFINED ENV{MEND_TEST_STATE_UNCHANGED})
  file(READ ${SCENARIO} before)
  file(READ ${WORK}/state.lua after)
  if(NOT before STREQUAL after)
    message(FATAL_ERROR "the state file changed, but this run must leave it untouched")
  endif()
endif()

if(DEFINED ENV{MEND_TEST_REPORT})
  file(READ ${WORK}/report.json report)
  # Checks are separated by "|": ctest's ENVIRONMENT property splits on ";", so a ";" list
  # would reach this script as its first check only.
  string(REPLACE "|" ";" checks "$ENV{MEND_TEST_REPORT}")
  foreach(check IN LISTS checks)
    string(REGEX MATCH "^([^=]+)=(.*)$" _ "${check}")
    set(path ${CMAKE_MATCH_1})
    set(want "${CMAKE_MATCH_2}")
    string(REPLACE "." ";" keys "${path}")
    string(JSON got ERROR_VARIABLE jerr GET "${report}" ${keys})
    if(jerr)
      message(FATAL_ERROR "report: ${path}: ${jerr}")
    endif()
    if(got STREQUAL "ON")
      set(got true)
    elseif(got STREQUAL "OFF")
      set(got false)
    endif()
    if(NOT "${got}" STREQUAL "${want}")
      message(FATAL_ERROR "report: ${path} is '${got}', expected '${want}'")
    endif()
  endforeach()
endif()
