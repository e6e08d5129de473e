#define _GNU_SOURCE
#include <fcntl.h>
#include <unistd.h>
#include "CChildSpawn.h"

int child_spawn_close_from(posix_spawn_file_actions_t *actions, int lowest) {
    return posix_spawn_file_actions_addclosefrom_np(actions, lowest);
}

int child_spawn_pipe_cloexec(int ends[2]) {
    return pipe2(ends, O_CLOEXEC);
}
