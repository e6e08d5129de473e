// The crash-injecting VFS of SimulatedDisk.h. Written by hand: SQLite ships the idea (test6.c,
// its "crash" VFS) only inside its test harness, not as a library, and no Swift package offers
// one. A shim over the default VFS: reads, locks and shared memory pass straight through; writes,
// syncs and truncations pass through too but are remembered until the file is synced, so that a
// crash can take back the ones the disk had not made durable.
#include "SimulatedDisk.h"

#include <fcntl.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SECTOR 512

// One operation not yet made durable by a sync of its file.
typedef struct Operation {
    int is_truncate;
    sqlite3_int64 offset;       // write: where; truncate: the new size
    int length;                 // write: bytes written
    unsigned char *written;     // write: the new bytes
    unsigned char *before;      // the bytes it replaced (write) or removed (truncate)
    int before_length;          // how many of those existed (a write past the end replaced none)
    sqlite3_int64 size_before;  // the file's size before the operation
    struct Operation *next;
} Operation;

// Every file opened through the VFS, by name: connections to one database share its history.
typedef struct Tracked {
    char *path;
    Operation *first, *last;
    int handles;                // open files pointing here: it is freed only at none
    struct Tracked *next;
} Tracked;

typedef struct {
    sqlite3_file base;
    Tracked *tracked;           // NULL for files whose durability does not matter here
    sqlite3_file *real;         // the default VFS's file, allocated after this struct
} ShimFile;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static Tracked *tracked_files;
static long long operations;
static long long fail_at = -1;
static int frozen;
static int lying;
static sqlite3_vfs *real_vfs;
static sqlite3_vfs shim_vfs;

static void free_operation(Operation *op) {
    free(op->written);
    free(op->before);
    free(op);
}

static void free_operations(Tracked *file) {
    for (Operation *op = file->first; op;) {
        Operation *next = op->next;
        free_operation(op);
        op = next;
    }
    file->first = file->last = NULL;
}

static Tracked *tracked_named(const char *path) {
    for (Tracked *file = tracked_files; file; file = file->next) {
        if (strcmp(file->path, path) == 0) return file;
    }
    Tracked *file = calloc(1, sizeof(Tracked));
    file->path = strdup(path);
    file->next = tracked_files;
    tracked_files = file;
    return file;
}

// Counts an operation; 0 when the disk is (now) frozen and it must fail. Called with the lock.
static int operation_allowed(void) {
    if (frozen) return 0;
    operations += 1;
    if (fail_at >= 0 && operations > fail_at) {
        frozen = 1;
        return 0;
    }
    return 1;
}

// Keeps `op` in its file's history when the real write or truncation it describes succeeded
// and its pre-image could be read; otherwise it describes nothing that happened.
static void remember_if_done(ShimFile *file, Operation *op, int rc) {
    if (!op) return;
    if (rc != SQLITE_OK || op->before_length < 0) {
        free_operation(op);
        return;
    }
    Tracked *tracked = file->tracked;
    if (tracked->last) tracked->last->next = op; else tracked->first = op;
    tracked->last = op;
}

static sqlite3_int64 real_size(ShimFile *file) {
    sqlite3_int64 size = 0;
    if (file->real->pMethods->xFileSize(file->real, &size) != SQLITE_OK) return -1;
    return size;
}

// Reads what `length` bytes at `offset` hold now, short at the end of the file.
static unsigned char *read_before(ShimFile *file, sqlite3_int64 offset, int length, sqlite3_int64 size, int *got) {
    *got = 0;
    if (offset >= size) return NULL;
    *got = (int)((size - offset) < length ? (size - offset) : length);
    unsigned char *bytes = malloc((size_t)*got);
    if (file->real->pMethods->xRead(file->real, bytes, *got, offset) != SQLITE_OK) {
        free(bytes);
        *got = -1;
        return NULL;
    }
    return bytes;
}

static int shim_close(sqlite3_file *base) {
    ShimFile *file = (ShimFile *)base;
    if (file->tracked) {
        pthread_mutex_lock(&lock);
        file->tracked->handles -= 1;
        pthread_mutex_unlock(&lock);
    }
    return file->real->pMethods->xClose(file->real);
}

static int shim_read(sqlite3_file *base, void *buffer, int amount, sqlite3_int64 offset) {
    ShimFile *file = (ShimFile *)base;
    return file->real->pMethods->xRead(file->real, buffer, amount, offset);
}

static int shim_write(sqlite3_file *base, const void *buffer, int amount, sqlite3_int64 offset) {
    ShimFile *file = (ShimFile *)base;
    pthread_mutex_lock(&lock);
    if (!operation_allowed()) {
        pthread_mutex_unlock(&lock);
        return SQLITE_IOERR_WRITE;
    }
    Operation *op = NULL;
    if (file->tracked) {
        op = calloc(1, sizeof(Operation));
        op->offset = offset;
        op->length = amount;
        op->size_before = real_size(file);
        op->before = read_before(file, offset, amount, op->size_before, &op->before_length);
        op->written = malloc((size_t)amount);
        memcpy(op->written, buffer, (size_t)amount);
    }
    int rc = file->real->pMethods->xWrite(file->real, buffer, amount, offset);
    remember_if_done(file, op, rc);
    pthread_mutex_unlock(&lock);
    return rc;
}

static int shim_truncate(sqlite3_file *base, sqlite3_int64 size) {
    ShimFile *file = (ShimFile *)base;
    pthread_mutex_lock(&lock);
    if (!operation_allowed()) {
        pthread_mutex_unlock(&lock);
        return SQLITE_IOERR_TRUNCATE;
    }
    Operation *op = NULL;
    if (file->tracked) {
        op = calloc(1, sizeof(Operation));
        op->is_truncate = 1;
        op->offset = size;
        op->size_before = real_size(file);
        int wanted = op->size_before > size ? (int)(op->size_before - size) : 0;
        op->before = read_before(file, size, wanted, op->size_before, &op->before_length);
    }
    int rc = file->real->pMethods->xTruncate(file->real, size);
    remember_if_done(file, op, rc);
    pthread_mutex_unlock(&lock);
    return rc;
}

static int shim_sync(sqlite3_file *base, int flags) {
    ShimFile *file = (ShimFile *)base;
    pthread_mutex_lock(&lock);
    if (!operation_allowed()) {
        pthread_mutex_unlock(&lock);
        return SQLITE_IOERR_FSYNC;
    }
    int rc = file->real->pMethods->xSync(file->real, flags);
    // Durable now: nothing before this sync can be taken back (unless the disk lies).
    if (rc == SQLITE_OK && file->tracked && !lying) free_operations(file->tracked);
    pthread_mutex_unlock(&lock);
    return rc;
}

static int shim_file_size(sqlite3_file *base, sqlite3_int64 *size) {
    ShimFile *file = (ShimFile *)base;
    return file->real->pMethods->xFileSize(file->real, size);
}
static int shim_lock(sqlite3_file *base, int level) {
    ShimFile *file = (ShimFile *)base;
    return file->real->pMethods->xLock(file->real, level);
}
static int shim_unlock(sqlite3_file *base, int level) {
    ShimFile *file = (ShimFile *)base;
    return file->real->pMethods->xUnlock(file->real, level);
}
static int shim_check_reserved(sqlite3_file *base, int *out) {
    ShimFile *file = (ShimFile *)base;
    return file->real->pMethods->xCheckReservedLock(file->real, out);
}
static int shim_file_control(sqlite3_file *base, int op, void *arg) {
    ShimFile *file = (ShimFile *)base;
    return file->real->pMethods->xFileControl(file->real, op, arg);
}
static int shim_sector_size(sqlite3_file *base) {
    ShimFile *file = (ShimFile *)base;
    return file->real->pMethods->xSectorSize(file->real);
}
static int shim_device_characteristics(sqlite3_file *base) {
    ShimFile *file = (ShimFile *)base;
    return file->real->pMethods->xDeviceCharacteristics(file->real);
}
static int shim_shm_map(sqlite3_file *base, int page, int size, int extend, void volatile **out) {
    ShimFile *file = (ShimFile *)base;
    return file->real->pMethods->xShmMap(file->real, page, size, extend, out);
}
static int shim_shm_lock(sqlite3_file *base, int offset, int n, int flags) {
    ShimFile *file = (ShimFile *)base;
    return file->real->pMethods->xShmLock(file->real, offset, n, flags);
}
static void shim_shm_barrier(sqlite3_file *base) {
    ShimFile *file = (ShimFile *)base;
    file->real->pMethods->xShmBarrier(file->real);
}
static int shim_shm_unmap(sqlite3_file *base, int delete_flag) {
    ShimFile *file = (ShimFile *)base;
    return file->real->pMethods->xShmUnmap(file->real, delete_flag);
}
static int shim_fetch(sqlite3_file *base, sqlite3_int64 offset, int amount, void **out) {
    ShimFile *file = (ShimFile *)base;
    return file->real->pMethods->xFetch(file->real, offset, amount, out);
}
static int shim_unfetch(sqlite3_file *base, sqlite3_int64 offset, void *pointer) {
    ShimFile *file = (ShimFile *)base;
    return file->real->pMethods->xUnfetch(file->real, offset, pointer);
}

static const sqlite3_io_methods shim_methods = {
    3, shim_close, shim_read, shim_write, shim_truncate, shim_sync, shim_file_size, shim_lock, shim_unlock,
    shim_check_reserved, shim_file_control, shim_sector_size, shim_device_characteristics,
    shim_shm_map, shim_shm_lock, shim_shm_barrier, shim_shm_unmap, shim_fetch, shim_unfetch,
};

static int shim_open(sqlite3_vfs *vfs, sqlite3_filename name, sqlite3_file *base, int flags, int *out_flags) {
    (void)vfs;
    ShimFile *file = (ShimFile *)base;
    memset(file, 0, sizeof(ShimFile));
    file->real = (sqlite3_file *)(file + 1);
    int rc = real_vfs->xOpen(real_vfs, name, file->real, flags, out_flags);
    if (rc != SQLITE_OK) {
        file->base.pMethods = NULL;
        return rc;
    }
    // The database and its WAL (and a rollback journal) must survive; temporary files need not.
    if (name && (flags & (SQLITE_OPEN_MAIN_DB | SQLITE_OPEN_WAL | SQLITE_OPEN_MAIN_JOURNAL))) {
        pthread_mutex_lock(&lock);
        file->tracked = tracked_named(name);
        file->tracked->handles += 1;
        pthread_mutex_unlock(&lock);
    }
    file->base.pMethods = &shim_methods;
    return SQLITE_OK;
}

static int shim_delete(sqlite3_vfs *vfs, const char *name, int sync_dir) {
    (void)vfs;
    pthread_mutex_lock(&lock);
    if (!operation_allowed()) {
        pthread_mutex_unlock(&lock);
        return SQLITE_IOERR_DELETE;
    }
    int rc = real_vfs->xDelete(real_vfs, name, sync_dir);
    // A deleted file has nothing left to take back (deletion is treated as durable at once).
    for (Tracked *file = tracked_files; file && rc == SQLITE_OK; file = file->next) {
        if (strcmp(file->path, name) == 0) free_operations(file);
    }
    pthread_mutex_unlock(&lock);
    return rc;
}

static int shim_access(sqlite3_vfs *vfs, const char *name, int flags, int *out) {
    (void)vfs;
    return real_vfs->xAccess(real_vfs, name, flags, out);
}
static int shim_full_pathname(sqlite3_vfs *vfs, const char *name, int size, char *out) {
    (void)vfs;
    return real_vfs->xFullPathname(real_vfs, name, size, out);
}
static void *shim_dl_open(sqlite3_vfs *vfs, const char *name) { (void)vfs; return real_vfs->xDlOpen(real_vfs, name); }
static void shim_dl_error(sqlite3_vfs *vfs, int size, char *out) { (void)vfs; real_vfs->xDlError(real_vfs, size, out); }
static void (*shim_dl_sym(sqlite3_vfs *vfs, void *handle, const char *symbol))(void) {
    (void)vfs;
    return real_vfs->xDlSym(real_vfs, handle, symbol);
}
static void shim_dl_close(sqlite3_vfs *vfs, void *handle) { (void)vfs; real_vfs->xDlClose(real_vfs, handle); }
static int shim_randomness(sqlite3_vfs *vfs, int size, char *out) { (void)vfs; return real_vfs->xRandomness(real_vfs, size, out); }
static int shim_sleep(sqlite3_vfs *vfs, int micros) { (void)vfs; return real_vfs->xSleep(real_vfs, micros); }
static int shim_current_time(sqlite3_vfs *vfs, double *out) { (void)vfs; return real_vfs->xCurrentTime(real_vfs, out); }
static int shim_last_error(sqlite3_vfs *vfs, int size, char *out) { (void)vfs; return real_vfs->xGetLastError(real_vfs, size, out); }
static int shim_current_time_int64(sqlite3_vfs *vfs, sqlite3_int64 *out) {
    (void)vfs;
    return real_vfs->xCurrentTimeInt64(real_vfs, out);
}

int holdfast_simdisk_register(void) {
    pthread_mutex_lock(&lock);
    int rc = SQLITE_OK;
    if (!real_vfs) {
        real_vfs = sqlite3_vfs_find(NULL);
        shim_vfs = (sqlite3_vfs){
            2, (int)sizeof(ShimFile) + real_vfs->szOsFile, real_vfs->mxPathname, NULL, "holdfast-simdisk", NULL,
            shim_open, shim_delete, shim_access, shim_full_pathname, shim_dl_open, shim_dl_error, shim_dl_sym,
            shim_dl_close, shim_randomness, shim_sleep, shim_current_time, shim_last_error, shim_current_time_int64,
            NULL, NULL, NULL,
        };
        rc = sqlite3_vfs_register(&shim_vfs, 0);
    }
    pthread_mutex_unlock(&lock);
    return rc;
}

void holdfast_simdisk_reset(void) {
    pthread_mutex_lock(&lock);
    for (Tracked **link = &tracked_files; *link;) {
        Tracked *file = *link;
        free_operations(file);
        if (file->handles > 0) {
            link = &file->next;
            continue;
        }
        *link = file->next;
        free(file->path);
        free(file);
    }
    operations = 0;
    fail_at = -1;
    frozen = 0;
    pthread_mutex_unlock(&lock);
}

void holdfast_simdisk_fail_after(long long count) {
    pthread_mutex_lock(&lock);
    fail_at = count < 0 ? -1 : operations + count;
    pthread_mutex_unlock(&lock);
}

void holdfast_simdisk_lie_about_syncs(int lie) {
    pthread_mutex_lock(&lock);
    lying = lie;
    pthread_mutex_unlock(&lock);
}

long long holdfast_simdisk_operations(void) {
    pthread_mutex_lock(&lock);
    long long count = operations;
    pthread_mutex_unlock(&lock);
    return count;
}

int holdfast_simdisk_frozen(void) {
    pthread_mutex_lock(&lock);
    int value = frozen;
    pthread_mutex_unlock(&lock);
    return value;
}

// SplitMix64, so a crash repeats exactly from its seed.
static unsigned long long next_random(unsigned long long *state) {
    unsigned long long z = (*state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

static int write_all(int fd, const unsigned char *bytes, sqlite3_int64 length, sqlite3_int64 offset) {
    while (length > 0) {
        ssize_t done = pwrite(fd, bytes, (size_t)length, offset);
        if (done <= 0) return -1;
        bytes += done;
        length -= done;
        offset += done;
    }
    return 0;
}

// Takes every unsynced operation of `file` back, newest first, leaving what its last sync left.
static int undo_all(int fd, Tracked *file) {
    int count = 0;
    for (Operation *op = file->first; op; op = op->next) count += 1;
    Operation **ops = malloc(sizeof(Operation *) * (size_t)(count ? count : 1));
    int index = 0;
    for (Operation *op = file->first; op; op = op->next) ops[index++] = op;
    int failed = 0;
    for (int i = count - 1; i >= 0; i -= 1) {
        Operation *op = ops[i];
        if (op->before_length > 0 && write_all(fd, op->before, op->before_length, op->offset) != 0) failed = 1;
        if (ftruncate(fd, op->size_before) != 0) failed = 1;
    }
    free(ops);
    return failed ? -1 : 0;
}

holdfast_simdisk_crash_report holdfast_simdisk_crash(unsigned long long seed, int lose_percent, int tear_percent) {
    holdfast_simdisk_crash_report report = {0, 0, 0};
    unsigned long long state = seed;
    pthread_mutex_lock(&lock);
    frozen = 1;
    for (Tracked *file = tracked_files; file; file = file->next) {
        if (!file->first) continue;
        int fd = open(file->path, O_RDWR);
        if (fd < 0 || undo_all(fd, file) != 0) {
            report.lost = -1;
            if (fd >= 0) close(fd);
            break;
        }
        // Then the ones that reached the disk, oldest first, as the disk would have written them.
        for (Operation *op = file->first; op; op = op->next) {
            int roll = (int)(next_random(&state) % 100);
            if (roll < lose_percent) {
                report.lost += 1;
                continue;
            }
            if (op->is_truncate) {
                if (ftruncate(fd, op->offset) != 0) report.lost = -1;
                report.kept += 1;
                continue;
            }
            int length = op->length;
            int sectors = (op->length + SECTOR - 1) / SECTOR;
            if (roll < lose_percent + tear_percent && sectors > 1) {
                length = (int)(1 + next_random(&state) % (unsigned long long)(sectors - 1)) * SECTOR;
                report.torn += 1;
            } else {
                report.kept += 1;
            }
            if (write_all(fd, op->written, length, op->offset) != 0) report.lost = -1;
        }
        fsync(fd);
        close(fd);
        free_operations(file);
    }
    pthread_mutex_unlock(&lock);
    return report;
}
