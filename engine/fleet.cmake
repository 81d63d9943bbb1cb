# Fleet integration sources (issue 6): the one-line summary and the event-log writer.
target_sources(mendcore PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/summary.c
  ${CMAKE_CURRENT_LIST_DIR}/eventlog.c
)
