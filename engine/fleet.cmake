# Fleet integration sources (issue 6): the one-line summary, the event-log writer, and the one
# call commands.c makes after a run.
target_sources(mendcore PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/summary.c
  ${CMAKE_CURRENT_LIST_DIR}/eventlog.c
  ${CMAKE_CURRENT_LIST_DIR}/fleet.c
)
