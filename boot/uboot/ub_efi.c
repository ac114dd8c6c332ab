// SPDX-License-Identifier: BSD-2-Clause
/* The EFI loader's view of a share: a handle per share with a device path
 * of its own (a vendor node naming the tag) and EFI_SIMPLE_FILE_SYSTEM_PROTOCOL,
 * whose EFI_FILE_PROTOCOL reads the share through vsu_*.  The handle is
 * made when efi_set_bootdev names the share (`load virtiofs TAG ...`, the
 * EFI bootmeth), so a program started by `bootefi` finds the share as its
 * LoadedImage's DeviceHandle.  The volume is read-only: an open for writing
 * gets EFI_WRITE_PROTECTED.  ExitBootServices unmounts the shares
 * (ub_quiesce.c); the handles are of no use after it. */
#include <common.h>
#include <charset.h>
#include <efi_loader.h>
#include <malloc.h>
#include <linux/string.h>
#include <vioshare_fs.h>
#include "vs_errno.h"
#include "vsu.h"

#define PATH_LEN 1024

/* vioshare's own GUID for a share's vendor device path node; the node's
 * data is the tag, NUL-terminated. */
#define SHARE_DP_GUID \
	EFI_GUID(0x5f1c9a3e, 0x7d42, 0x4b0e, 0x9c, 0x61, 0x76, 0x69, 0x6f, 0x73, 0x68, 0x72)

static const efi_guid_t share_dp_guid = SHARE_DP_GUID;
static const efi_guid_t volume_label_guid = EFI_FILE_SYSTEM_VOLUME_LABEL_ID;

struct share_fs {
	struct efi_simple_file_system_protocol sfs; /* first: the protocol is the share */
	efi_handle_t handle;
	struct efi_device_path *dp;
	char tag[VSU_TAG_MAX + 1];
	struct share_fs *next;
};

struct share_file {
	struct efi_file_handle fh; /* first: the protocol is the file */
	struct share_fs *fs;
	char path[PATH_LEN]; /* the share's path, "/" for its root */
	bool dir;
	u64 pos;
	int dd; /* the directory's listing, -1 before the first Read */
	bool pending; /* an entry read that did not fit the caller's buffer */
	char pending_name[256];
	enum vsu_type pending_type;
};

static struct share_fs *shares;

static efi_status_t efi_err(int vs)
{
	switch (-vs) {
	case VS_ENOENT:
	case VS_ENOTDIR:
		return EFI_NOT_FOUND;
	case VS_EACCES:
	case VS_EPERM:
		return EFI_ACCESS_DENIED;
	case VS_ENOMEM:
		return EFI_OUT_OF_RESOURCES;
	default:
		return EFI_DEVICE_ERROR;
	}
}

/* base joined with an EFI name ('\' separated, "." and ".." resolved, a
 * leading '\' from the root) into out; false when it does not fit. */
static bool join_path(const char *base, const char *name, char out[PATH_LEN])
{
	size_t len = 0;

	if (*name != '\\' && *name != '/') {
		len = strlen(base);
		memcpy(out, base, len + 1);
		if (len == 1)
			len = 0; /* the root: components follow "/" */
	}
	while (*name) {
		size_t n;

		while (*name == '\\' || *name == '/')
			name++;
		n = strcspn(name, "\\/");
		if (n == 0)
			break;
		if (n == 2 && !strncmp(name, "..", 2)) {
			while (len > 0 && out[len - 1] != '/')
				len--;
			if (len > 0)
				len--;
		} else if (!(n == 1 && *name == '.')) {
			if (len + 1 + n >= PATH_LEN)
				return false;
			out[len++] = '/';
			memcpy(out + len, name, n);
			len += n;
		}
		name += n;
	}
	if (len == 0)
		out[len++] = '/';
	out[len] = '\0';
	return true;
}

static const char *last_name(const char *path)
{
	return strrchr(path, '/') + 1;
}

static efi_status_t new_file(struct share_fs *fs, const char *path, struct efi_file_handle **out);

/* EFI_FILE_INFO of path (named name) into buf; the size it needs. */
static size_t file_info(const char *name, const struct vsu_stat *st, void *buf, size_t size)
{
	size_t need = sizeof(struct efi_file_info) + 2 * (utf8_utf16_strlen(name) + 1);
	struct efi_file_info *info = buf;
	u16 *dst;

	if (size < need)
		return need;
	memset(info, 0, sizeof(*info));
	info->size = need;
	info->file_size = st->type == VSU_DIR ? 0 : st->size;
	info->physical_size = info->file_size;
	info->attribute = EFI_FILE_READ_ONLY | (st->type == VSU_DIR ? EFI_FILE_DIRECTORY : 0);
	dst = info->file_name;
	utf8_utf16_strcpy(&dst, name);
	return need;
}

static efi_status_t EFIAPI share_close(struct efi_file_handle *this)
{
	struct share_file *f = (struct share_file *)this;

	EFI_ENTRY("%p", this);
	if (f->dd >= 0)
		vsu_closedir(f->dd);
	free(f);
	return EFI_EXIT(EFI_SUCCESS);
}

/* A read-only volume deletes nothing; the handle is closed all the same. */
static efi_status_t EFIAPI share_delete(struct efi_file_handle *this)
{
	struct share_file *f = (struct share_file *)this;

	EFI_ENTRY("%p", this);
	if (f->dd >= 0)
		vsu_closedir(f->dd);
	free(f);
	return EFI_EXIT(EFI_WARN_DELETE_FAILURE);
}

/* The next entry of a directory but "." and ".."; 0 at its end. */
static int next_entry(struct share_file *f)
{
	int r;

	if (f->pending)
		return 1;
	if (f->dd < 0) {
		f->dd = vsu_opendir(f->fs->tag, f->path);
		if (f->dd < 0) {
			r = f->dd;
			f->dd = -1;
			return r;
		}
	}
	do {
		r = vsu_readdir(f->dd, f->pending_name, &f->pending_type);
	} while (r > 0 && (!strcmp(f->pending_name, ".") || !strcmp(f->pending_name, "..")));
	f->pending = r > 0;
	return r;
}

static efi_status_t read_dir(struct share_file *f, efi_uintn_t *size, void *buf)
{
	char path[PATH_LEN];
	struct vsu_stat st;
	size_t need;
	int r = next_entry(f);

	if (r < 0)
		return efi_err(r);
	if (r == 0) {
		*size = 0;
		return EFI_SUCCESS;
	}
	if (!join_path(f->path, f->pending_name, path))
		return EFI_DEVICE_ERROR;
	/* A link is shown as what it names; one that names nothing as a file. */
	if (vsu_stat(f->fs->tag, path, 1, &st)) {
		st.size = 0;
		st.type = f->pending_type == VSU_DIR ? VSU_DIR : VSU_REG;
	}
	need = file_info(f->pending_name, &st, buf, *size);
	if (need > *size) {
		*size = need;
		return EFI_BUFFER_TOO_SMALL;
	}
	*size = need;
	f->pending = false;
	return EFI_SUCCESS;
}

/* A file's read is cut at its end (so a caller's size of all ones is no
 * overflow); a position past the end is an error, as the specification says. */
static efi_status_t EFIAPI share_read(struct efi_file_handle *this, efi_uintn_t *size, void *buf)
{
	struct share_file *f = (struct share_file *)this;
	struct vsu_stat st;
	long long n;
	int err;

	EFI_ENTRY("%p, %p, %p", this, size, buf);
	if (!size || (*size && !buf))
		return EFI_EXIT(EFI_INVALID_PARAMETER);
	if (f->dir)
		return EFI_EXIT(read_dir(f, size, buf));
	err = vsu_stat(f->fs->tag, f->path, 1, &st);
	if (err)
		return EFI_EXIT(efi_err(err));
	if (f->pos > st.size)
		return EFI_EXIT(EFI_DEVICE_ERROR);
	if (*size > st.size - f->pos)
		*size = st.size - f->pos;
	n = vsu_read(f->fs->tag, f->path, buf, f->pos, *size);
	if (n < 0)
		return EFI_EXIT(efi_err(n));
	f->pos += n;
	*size = n;
	return EFI_EXIT(EFI_SUCCESS);
}

/* Every handle is opened read-only. */
static efi_status_t EFIAPI share_write(struct efi_file_handle *this, efi_uintn_t *size, void *buf)
{
	EFI_ENTRY("%p, %p, %p", this, size, buf);
	return EFI_EXIT(EFI_ACCESS_DENIED);
}

static efi_status_t EFIAPI share_getpos(struct efi_file_handle *this, u64 *pos)
{
	struct share_file *f = (struct share_file *)this;

	EFI_ENTRY("%p, %p", this, pos);
	if (!pos)
		return EFI_EXIT(EFI_INVALID_PARAMETER);
	if (f->dir)
		return EFI_EXIT(EFI_UNSUPPORTED);
	*pos = f->pos;
	return EFI_EXIT(EFI_SUCCESS);
}

/* A directory goes back to its first entry (position 0 only); a file's
 * position all ones is its end. */
static efi_status_t EFIAPI share_setpos(struct efi_file_handle *this, u64 pos)
{
	struct share_file *f = (struct share_file *)this;
	struct vsu_stat st;
	int err;

	EFI_ENTRY("%p, %llx", this, pos);
	if (f->dir) {
		if (pos)
			return EFI_EXIT(EFI_UNSUPPORTED);
		if (f->dd >= 0)
			vsu_closedir(f->dd);
		f->dd = -1;
		f->pending = false;
		return EFI_EXIT(EFI_SUCCESS);
	}
	if (pos == ~0ULL) {
		err = vsu_stat(f->fs->tag, f->path, 1, &st);
		if (err)
			return EFI_EXIT(efi_err(err));
		pos = st.size;
	}
	f->pos = pos;
	return EFI_EXIT(EFI_SUCCESS);
}

static efi_status_t volume_info(struct share_file *f, const efi_guid_t *type, efi_uintn_t *size, void *buf)
{
	size_t label = 2 * (utf8_utf16_strlen(f->fs->tag) + 1);
	size_t need = label;
	struct efi_file_system_info *info = buf;
	u16 *dst = buf;

	if (!guidcmp(type, &efi_file_system_info_guid))
		need += sizeof(*info);
	if (*size < need) {
		*size = need;
		return EFI_BUFFER_TOO_SMALL;
	}
	if (!guidcmp(type, &efi_file_system_info_guid)) {
		memset(info, 0, sizeof(*info));
		info->size = need;
		info->read_only = 1;
		info->block_size = 512;
		dst = info->volume_label;
	}
	utf8_utf16_strcpy(&dst, f->fs->tag);
	*size = need;
	return EFI_SUCCESS;
}

static efi_status_t EFIAPI share_getinfo(struct efi_file_handle *this, const efi_guid_t *type,
					 efi_uintn_t *size, void *buf)
{
	struct share_file *f = (struct share_file *)this;
	struct vsu_stat st;
	size_t need;
	int err;

	EFI_ENTRY("%p, %pUs, %p, %p", this, type, size, buf);
	if (!type || !size || (*size && !buf))
		return EFI_EXIT(EFI_INVALID_PARAMETER);
	if (!guidcmp(type, &efi_file_system_info_guid) || !guidcmp(type, &volume_label_guid))
		return EFI_EXIT(volume_info(f, type, size, buf));
	if (guidcmp(type, &efi_file_info_guid))
		return EFI_EXIT(EFI_UNSUPPORTED);
	err = vsu_stat(f->fs->tag, f->path, 1, &st);
	if (err)
		return EFI_EXIT(efi_err(err));
	need = file_info(last_name(f->path), &st, buf, *size);
	if (need > *size) {
		*size = need;
		return EFI_EXIT(EFI_BUFFER_TOO_SMALL);
	}
	*size = need;
	return EFI_EXIT(EFI_SUCCESS);
}

static efi_status_t EFIAPI share_setinfo(struct efi_file_handle *this, const efi_guid_t *type,
					 efi_uintn_t size, void *buf)
{
	EFI_ENTRY("%p, %pUs, %zu, %p", this, type, size, buf);
	return EFI_EXIT(EFI_WRITE_PROTECTED);
}

static efi_status_t EFIAPI share_flush(struct efi_file_handle *this)
{
	EFI_ENTRY("%p", this);
	return EFI_EXIT(EFI_ACCESS_DENIED);
}

static efi_status_t EFIAPI share_open(struct efi_file_handle *this, struct efi_file_handle **new_handle,
				      u16 *file_name, u64 open_mode, u64 attributes)
{
	struct share_file *f = (struct share_file *)this;
	char path[PATH_LEN];
	char *name, *p;
	efi_status_t ret;

	EFI_ENTRY("%p, %p, \"%ls\", %llx, %llx", this, new_handle, file_name, open_mode, attributes);
	if (!new_handle || !file_name)
		return EFI_EXIT(EFI_INVALID_PARAMETER);
	if (open_mode & (EFI_FILE_MODE_WRITE | EFI_FILE_MODE_CREATE))
		return EFI_EXIT(EFI_WRITE_PROTECTED);
	if (open_mode != EFI_FILE_MODE_READ)
		return EFI_EXIT(EFI_INVALID_PARAMETER);
	name = malloc(utf16_utf8_strlen(file_name) + 1);
	if (!name)
		return EFI_EXIT(EFI_OUT_OF_RESOURCES);
	p = name;
	utf16_utf8_strcpy(&p, file_name);
	ret = join_path(f->path, name, path) ? new_file(f->fs, path, new_handle) : EFI_NOT_FOUND;
	free(name);
	return EFI_EXIT(ret);
}

static efi_status_t EFIAPI share_open_ex(struct efi_file_handle *this, struct efi_file_handle **new_handle,
					 u16 *file_name, u64 open_mode, u64 attributes,
					 struct efi_file_io_token *token)
{
	EFI_ENTRY("%p", this);
	return EFI_EXIT(EFI_UNSUPPORTED);
}

static efi_status_t EFIAPI share_io_ex(struct efi_file_handle *this, struct efi_file_io_token *token)
{
	EFI_ENTRY("%p, %p", this, token);
	return EFI_EXIT(EFI_UNSUPPORTED);
}

static const struct efi_file_handle file_ops = {
	.rev = EFI_FILE_PROTOCOL_REVISION,
	.open = share_open,
	.close = share_close,
	.delete = share_delete,
	.read = share_read,
	.write = share_write,
	.getpos = share_getpos,
	.setpos = share_setpos,
	.getinfo = share_getinfo,
	.setinfo = share_setinfo,
	.flush = share_flush,
	.open_ex = share_open_ex,
	.read_ex = share_io_ex,
	.write_ex = share_io_ex,
	.flush_ex = share_io_ex,
};

static efi_status_t new_file(struct share_fs *fs, const char *path, struct efi_file_handle **out)
{
	struct vsu_stat st;
	struct share_file *f;
	int err = vsu_stat(fs->tag, path, 1, &st);

	if (err)
		return efi_err(err);
	f = calloc(1, sizeof(*f));
	if (!f)
		return EFI_OUT_OF_RESOURCES;
	f->fh = file_ops;
	f->fs = fs;
	strcpy(f->path, path);
	f->dir = st.type == VSU_DIR;
	f->dd = -1;
	*out = &f->fh;
	return EFI_SUCCESS;
}

/* The share is mounted (again, after an unmount) before its root opens. */
static efi_status_t EFIAPI share_open_volume(struct efi_simple_file_system_protocol *this,
					     struct efi_file_handle **root)
{
	struct share_fs *fs = (struct share_fs *)this;

	EFI_ENTRY("%p, %p", this, root);
	if (!root)
		return EFI_EXIT(EFI_INVALID_PARAMETER);
	if (virtiofs_use(fs->tag))
		return EFI_EXIT(EFI_DEVICE_ERROR);
	return EFI_EXIT(new_file(fs, "/", root));
}

/* A vendor node holding the tag, then the end node. */
static struct efi_device_path *share_dp(const char *tag)
{
	size_t node = sizeof(struct efi_device_path_vendor) + strlen(tag) + 1;
	struct efi_device_path_vendor *v = calloc(1, node + sizeof(struct efi_device_path));
	struct efi_device_path *end;

	if (!v)
		return NULL;
	v->dp.type = DEVICE_PATH_TYPE_HARDWARE_DEVICE;
	v->dp.sub_type = DEVICE_PATH_SUB_TYPE_VENDOR;
	v->dp.length = node;
	memcpy(&v->guid, &share_dp_guid, sizeof(v->guid));
	strcpy((char *)v->vendor_data, tag);
	end = (struct efi_device_path *)((u8 *)v + node);
	end->type = DEVICE_PATH_TYPE_END;
	end->sub_type = DEVICE_PATH_SUB_TYPE_END;
	end->length = sizeof(*end);
	return &v->dp;
}

static struct share_fs *new_share(const char *tag)
{
	struct share_fs *fs = calloc(1, sizeof(*fs));

	if (!fs)
		return NULL;
	strcpy(fs->tag, tag);
	fs->sfs.rev = EFI_SIMPLE_FILE_SYSTEM_PROTOCOL_REVISION;
	fs->sfs.open_volume = share_open_volume;
	fs->dp = share_dp(tag);
	if (fs->dp && efi_create_handle(&fs->handle) == EFI_SUCCESS) {
		if (efi_add_protocol(fs->handle, &efi_guid_device_path, fs->dp) == EFI_SUCCESS &&
		    efi_add_protocol(fs->handle, &efi_simple_file_system_protocol_guid, &fs->sfs) ==
			    EFI_SUCCESS) {
			fs->next = shares;
			shares = fs;
			return fs;
		}
		efi_delete_handle(fs->handle);
	}
	printf("virtiofs: %s: no EFI handle\n", tag);
	free(fs->dp);
	free(fs);
	return NULL;
}

int virtiofs_efi_device_path(const char *tag, struct efi_device_path **dp)
{
	struct share_fs *fs;
	int err;

	if (!tag || strlen(tag) > VSU_TAG_MAX)
		return -EINVAL;
	err = virtiofs_use(tag);
	if (err)
		return err;
	for (fs = shares; fs && strcmp(fs->tag, tag); fs = fs->next)
		;
	if (!fs)
		fs = new_share(tag);
	if (!fs)
		return -ENOMEM;
	*dp = efi_dp_dup(fs->dp);
	return *dp ? 0 : -ENOMEM;
}
