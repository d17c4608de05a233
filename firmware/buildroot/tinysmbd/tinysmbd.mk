################################################################################
#
# tinysmbd
#
# Buildroot package (golang-package infrastructure). Copy this directory to
# package/tinysmbd in a Buildroot tree whose Go is 1.26 or newer (go.mod) and
# add 'source "package/tinysmbd/Config.in"' to package/Config.in.
#
################################################################################

TINYSMBD_VERSION = 0.1.0
TINYSMBD_SITE = $(call github,tinysmbd,tinysmbd,v$(TINYSMBD_VERSION))
TINYSMBD_LICENSE = Apache-2.0
TINYSMBD_LICENSE_FILES = LICENSE NOTICE
TINYSMBD_GOMOD = github.com/tinysmbd/tinysmbd
TINYSMBD_BUILD_TARGETS = cmd/tinysmbd
# The repository's default FIRMWARE_TAGS: every SMB and NetBIOS feature;
# listen addresses must be IP literals (no DNS resolver in the binary).
# tinysmbd_stamped: the version comes from TINYSMBD_LDFLAGS, so the build
# info reader is left out.
TINYSMBD_TAGS = tinysmbd_nodns tinysmbd_stamped
TINYSMBD_LDFLAGS = -s -w -buildid= -X main.version=$(TINYSMBD_VERSION)
# tinysmbd has no C code: without cgo, Go links a static binary that needs
# no libc, as `make firmware` builds it.
TINYSMBD_GO_ENV = CGO_ENABLED=0

# Buildroot vendors the modules into the source archive, so afero's
# httpFs.go, which links net/http and crypto/tls (about 1.2 MB) although
# tinysmbd never uses it, is simply removed from vendor/ (see the
# repository's scripts/firmware-mod.sh for the same step with a module
# cache).
define TINYSMBD_DROP_AFERO_HTTPFS
	rm -f $(@D)/vendor/github.com/spf13/afero/httpFs.go
endef
TINYSMBD_POST_PATCH_HOOKS += TINYSMBD_DROP_AFERO_HTTPFS

# The binary goes where both init scripts expect it, /usr/sbin. The config
# may hold passwords: it is readable by root and the tinysmbd group, which
# the systemd unit runs as (TINYSMBD_PERMISSIONS). /srv/share is the
# shipped config's share, writable by the service user.
define TINYSMBD_INSTALL_TARGET_CMDS
	$(INSTALL) -D -m 0755 $(@D)/bin/tinysmbd $(TARGET_DIR)/usr/sbin/tinysmbd
	$(INSTALL) -D -m 0640 $(@D)/firmware/tinysmbd.toml $(TARGET_DIR)/etc/tinysmbd.toml
	$(INSTALL) -d -m 0775 $(TARGET_DIR)/srv/share
endef

define TINYSMBD_INSTALL_INIT_SYSV
	$(INSTALL) -D -m 0755 $(@D)/firmware/init.d/tinysmbd $(TARGET_DIR)/etc/init.d/S80tinysmbd
endef

define TINYSMBD_INSTALL_INIT_SYSTEMD
	$(INSTALL) -D -m 0644 $(@D)/firmware/tinysmbd.service $(TARGET_DIR)/usr/lib/systemd/system/tinysmbd.service
endef

define TINYSMBD_USERS
	tinysmbd -1 tinysmbd -1 * - - - tinysmbd file server
endef

define TINYSMBD_PERMISSIONS
	/etc/tinysmbd.toml f 0640 root tinysmbd - - - - -
	/srv/share d 0775 tinysmbd tinysmbd - - - - -
endef

$(eval $(golang-package))
