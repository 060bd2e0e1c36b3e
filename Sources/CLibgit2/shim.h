#ifndef KAPSO_GITSYNC_CLIBGIT2_SHIM_H
#define KAPSO_GITSYNC_CLIBGIT2_SHIM_H
#include <git2.h>
#include <git2/sys/odb_backend.h>
#include <git2/sys/repository.h>
#include <zlib.h>

/* An object database backend written in Swift: libgit2's callbacks receive `parent`, and `owner`
 * leads back to the Swift object that serves them. */
typedef struct kapso_odb_backend {
    git_odb_backend parent;
    void *owner;
} kapso_odb_backend;
#endif
