# Runs one Lua test: copies the scenario to a fresh state file, then `mend run` on it.
file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${WORK})
configure_file(${SCENARIO} ${WORK}/state.lua COPYONLY)
separate_arguments(extra UNIX_COMMAND "${ARGS}")
execute_process(COMMAND ${MEND} run --host sim:${WORK}/state.lua --journal ${WORK}/journal.jsonl
                        ${extra} ${SCRIPT}
                WORKING_DIRECTORY ${WORK} RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${SCRIPT} exited with ${rc}")
endif()
