// GNU extensions the tests' process spawning needs (Tests/TestSupport/Spawned.swift). Glibc's
// Swift module is imported without _GNU_SOURCE, which hides both of them.
#ifndef C_CHILD_SPAWN_H
#define C_CHILD_SPAWN_H

#include <spawn.h>

// Closes every descriptor from `lowest` up in the child, so a child holds no other child's pipe.
int child_spawn_close_from(posix_spawn_file_actions_t *actions, int lowest);

// A pipe whose ends are closed on exec from the moment they exist.
int child_spawn_pipe_cloexec(int ends[2]);

#endif
