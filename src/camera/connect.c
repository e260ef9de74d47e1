/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Getting to a live session: the transport (USB or the in-memory
 * emulator), OpenSession, DeviceInfo, the PC Remote check and the Sony
 * handshake (dossier §8.1), plus the recovery paths: a Device Reset and
 * a fresh session on the same transport, or a new transport to the same
 * body (same serial) after an unplug.
 */
#include <stdio.h>
#include <string.h>

#include "camera/camera_internal.h"
#include "usb/usb.h"

static void session_bind(struct camera *cam, struct ptp_transport *t)
{
	cam->transactions_base += cam->s.transactions;
	ptp_session_init(&cam->s, t);
	cam->s.timeout_ms = cam->opt.usb_timeout_ms;
	cam->t = t;
	cam->session_ready = false;
}

static int open_emulated(struct camera *cam, struct err_detail *err)
{
	struct ptp_transport *t;

	if (!cam->emu) {
		cam->emu = emu_camera_create(&cam->src.emu);
		if (!cam->emu)
			return err_set(err, ALPHAFS_ERR_NOMEM,
				       "cannot create the emulated camera");
	}
	if (!emu_camera_plugged(cam->emu))
		return err_set(err, ALPHAFS_ERR_NOT_FOUND,
			       "the emulated camera is unplugged");
	t = emu_memusb_create(cam->emu);
	if (!t)
		return err_set(err, ALPHAFS_ERR_NOMEM,
			       "cannot create the in-memory transport");
	session_bind(cam, t);
	return 0;
}

static int open_usb(struct camera *cam, const struct camera_source *sel,
		    struct err_detail *err)
{
	struct ptp_transport *t = NULL;
	int rc = usb_transport_open(NULL, sel, &t, err);

	if (rc < 0)
		return rc;
	session_bind(cam, t);
	return 0;
}

static int open_opener(struct camera *cam, struct err_detail *err)
{
	struct ptp_transport *t = NULL;
	int rc = cam->src.opener.open(cam->src.opener.arg, NULL, &t, err);

	if (rc < 0)
		return rc;
	session_bind(cam, t);
	return 0;
}

int camera_transport_open(struct camera *cam, struct err_detail *err)
{
	if (cam->src.kind == CAMERA_SOURCE_EMULATE)
		return open_emulated(cam, err);
	if (cam->src.kind == CAMERA_SOURCE_OPENER)
		return open_opener(cam, err);
	return open_usb(cam, &cam->src, err);
}

/* Only the body we had: a different camera plugged in meanwhile is not
 * silently adopted (its serial differs). */
int camera_transport_reopen(struct camera *cam, struct err_detail *err)
{
	struct camera_source sel;

	if (cam->src.kind == CAMERA_SOURCE_EMULATE)
		return open_emulated(cam, err);
	if (cam->src.kind == CAMERA_SOURCE_OPENER)
		return open_opener(cam, err);
	sel = cam->src;
	if (cam->serial[0]) {
		sel.kind = CAMERA_SOURCE_SERIAL;
		snprintf(sel.serial, sizeof(sel.serial), "%s", cam->serial);
	}
	return open_usb(cam, &sel, err);
}

void camera_transport_close(struct camera *cam)
{
	if (!cam->t)
		return;
	/* CloseSession is a courtesy (libgphoto2 sends it at exit); skip
	 * it when the pipe is out of step or the session never opened. */
	if (cam->session_ready && !cam->s.desynced)
		ptp_close_session(&cam->s);
	cam->transactions_base += cam->s.transactions;
	cam->s.transactions = 0;
	ptp_session_finish(&cam->s);
	ptp_transport_destroy(cam->t);
	cam->t = NULL;
	cam->session_ready = false;
}

/* Get Device Status, and Device Reset if the body is not idle (dossier
 * §8.1 step 1). Both are optional: failures are only logged. */
static void settle_device(struct camera *cam)
{
	uint16_t status = 0;

	if (ptp_class_get_status(cam->t, &status, cam->opt.usb_timeout_ms) < 0)
		return;
	if (status == PTP_RC_OK)
		return;
	log_info(SONY, "device status 0x%04X before the session: device reset",
		 status);
	ptp_class_reset(cam->t, cam->opt.usb_timeout_ms);
}

static int fail_from_session(struct camera *cam, struct err_detail *err, int rc,
			     const char *step)
{
	if (cam->s.err.msg[0])
		return err_set(err, rc, "%s: %s", step, cam->s.err.msg);
	return err_set(err, rc, "%s: %s", step, alphafs_strerror(rc));
}

static int open_session(struct camera *cam, struct err_detail *err)
{
	int rc = ptp_open_session(&cam->s, CAMERA_SESSION_ID);

	/* One retry after a reset for a body left mid-transaction by a
	 * previous program (dossier §7.11). */
	if (rc < 0 && rc != ALPHAFS_ERR_NO_DEVICE && cam->s.desynced &&
	    ptp_session_reset(&cam->s) == 0)
		rc = ptp_open_session(&cam->s, CAMERA_SESSION_ID);
	if (rc < 0)
		return fail_from_session(cam, err, rc, "OpenSession");
	return 0;
}

/* The identity for info/device, taken from DeviceInfo and the 0x9202
 * lists (appended to the properties as libgphoto2 does, dossier §3.3). */
static int publish_info(struct camera *cam, struct ptp_device_info *di)
{
	struct camera_info ci;
	int rc = 0;

	memset(&ci, 0, sizeof(ci));
	snprintf(ci.manufacturer, sizeof(ci.manufacturer), "%s", di->manufacturer);
	snprintf(ci.model, sizeof(ci.model), "%s", di->model);
	snprintf(ci.serial, sizeof(ci.serial), "%s", di->serial);
	snprintf(ci.device_version, sizeof(ci.device_version), "%s", di->device_version);
	snprintf(ci.vendor_ext_desc, sizeof(ci.vendor_ext_desc), "%s", di->vendor_ext_desc);
	snprintf(ci.port, sizeof(ci.port), "%s", cam->t->name);
	ci.vendor_ext_id = di->vendor_ext_id;
	ci.vendor_ext_version = di->vendor_ext_version;
	ci.sony_protocol = cam->ext.version;
	ci.usb_vendor = cam->t->usb_vendor;
	ci.usb_product = cam->t->usb_product;
	/* Move the lists (no copy); the merge appends the Sony codes. */
	ci.operations = di->operations;
	ci.events = di->events;
	ci.properties = di->properties;
	di->operations = di->events = di->properties = (struct ptp_u16_list){ 0 };
	if (camera_list_merge(&ci.properties, &cam->ext.codes) < 0 ||
	    camera_list_merge(&ci.properties, &cam->ext.controls) < 0)
		rc = ALPHAFS_ERR_NOMEM;
	if (!cam->serial[0])
		snprintf(cam->serial, sizeof(cam->serial), "%s", di->serial);
	pthread_mutex_lock(&cam->lock);
	camera_info_finish(&cam->info);
	cam->info = ci;
	cam->info_valid = true;
	pthread_mutex_unlock(&cam->lock);
	return rc;
}

/* GetDeviceInfo, the PC Remote check, the handshake, the identity. */
static int identify(struct camera *cam, struct err_detail *err)
{
	struct ptp_device_info di;
	int rc;

	rc = ptp_get_device_info(&cam->s, &di);
	if (rc < 0)
		return fail_from_session(cam, err, rc, "GetDeviceInfo");
	if (!sony_is_remote_capable(&di)) {
		rc = err_set(err, ALPHAFS_ERR_WRONG_MODE,
			     "%s %s (vendor extension 0x%X) does not offer Sony remote control: set USB Connection to PC Remote",
			     di.manufacturer, di.model, di.vendor_ext_id);
		ptp_device_info_finish(&di);
		return rc;
	}
	sony_ext_info_finish(&cam->ext);
	rc = sony_handshake(&cam->s, &cam->ext);
	if (rc < 0) {
		ptp_device_info_finish(&di);
		return fail_from_session(cam, err, rc, "Sony handshake");
	}
	rc = publish_info(cam, &di);
	ptp_device_info_finish(&di);
	if (rc < 0)
		return err_set(err, rc, "recording the camera identity");
	return 0;
}

/*
 * A body that answers non-OK (DeviceBusy while it settles after the
 * session opens, dossier §7.4) is asked again: at most
 * CAMERA_SETUP_TRIES times, CAMERA_SETUP_RETRY_MS apart.
 */
static int setup(struct camera *cam, struct err_detail *err, bool settle)
{
	struct err_detail e;
	int rc;

	if (settle)
		settle_device(cam);
	rc = open_session(cam, err);
	if (rc < 0)
		return rc;
	for (unsigned i = 0;; i++) {
		err_clear(&e);
		rc = identify(cam, &e);
		if (rc != ALPHAFS_ERR_PTP_RESPONSE || i + 1 >= CAMERA_SETUP_TRIES ||
		    camera_stopping(cam))
			break;
		clock_sleep_ms(CAMERA_SETUP_RETRY_MS);
	}
	if (rc < 0)
		return err_set(err, rc, "%s", e.msg);
	cam->session_ready = true;
	log_info(SONY, "%s: session open, Sony protocol 0x%04X", cam->t->name,
		 cam->ext.version);
	return 0;
}

int camera_session_setup(struct camera *cam, struct err_detail *err)
{
	return setup(cam, err, true);
}

int camera_session_recover(struct camera *cam, struct err_detail *err)
{
	int rc;

	cam->session_ready = false;
	/* A pipe still in step (a stale remote owner, live view refused)
	 * receives the polite full reset: CloseSession, then a new session and
	 * handshake. A pipe out of step cannot carry CloseSession: Device
	 * Reset instead (dossier §7.11). */
	if (!cam->s.desynced && cam->s.session_id != 0) {
		rc = ptp_close_session(&cam->s);
		if (rc == 0 || rc == ALPHAFS_ERR_PTP_RESPONSE)
			return setup(cam, err, false);
		if (rc == ALPHAFS_ERR_NO_DEVICE)
			return fail_from_session(cam, err, rc, "closing the session");
	}
	rc = ptp_session_reset(&cam->s);
	if (rc < 0)
		return fail_from_session(cam, err, rc, "session reset");
	return setup(cam, err, false);
}
