/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Names of Sony's vendor codes and the "is this a Sony remote-capable body"
 * test on DeviceInfo. Names follow libgphoto2's ptp.h / ptpy where they
 * agree (dossier §3.1, §5.3, §6, §2.4); standard codes fall through to the
 * ptp module's tables.
 */
#include <string.h>

#include "sony/sony.h"

struct code_name {
	uint16_t code;
	const char *name;
};

static const struct code_name sony_ops[] = {
	{ SONY_OC_SDIO_CONNECT, "SDIOConnect" },
	{ SONY_OC_GET_EXT_DEVICE_INFO, "GetSDIOExtDeviceInfo" },
	{ 0x9203, "GetDevicePropDesc" },
	{ 0x9204, "GetDevicePropertyValue" },
	{ SONY_OC_SET_CONTROL_A, "SetControlDeviceA" },
	{ 0x9206, "GetControlDeviceDesc" },
	{ SONY_OC_SET_CONTROL_B, "SetControlDeviceB" },
	{ SONY_OC_GET_ALL_PROP_INFO, "GetAllExtDevicePropInfo" },
};

static const struct code_name sony_events[] = {
	{ SONY_EC_OBJECT_ADDED, "ObjectAdded" },
	{ SONY_EC_OBJECT_REMOVED, "ObjectRemoved" },
	{ SONY_EC_PROP_CHANGED, "DevicePropChanged" },
	{ 0xC206, "CapturedEvent" },
};

static const struct code_name sony_props[] = {
	{ SONY_DPC_COMPRESSION, "CompressionSetting" },
	{ SONY_DPC_WHITE_BALANCE, "WhiteBalance" },
	{ SONY_DPC_FNUMBER, "FNumber" },
	{ SONY_DPC_FOCUS_MODE, "FocusMode" },
	{ SONY_DPC_METERING, "ExposureMeteringMode" },
	{ SONY_DPC_FLASH_MODE, "FlashMode" },
	{ SONY_DPC_EXPOSURE_PROGRAM, "ExposureProgramMode" },
	{ SONY_DPC_EXPOSURE_BIAS, "ExposureBiasCompensation" },
	{ SONY_DPC_DRIVE_MODE, "StillCaptureMode" },
	{ SONY_DPC_FLASH_COMP, "FlashCompensation" },
	{ SONY_DPC_DRO, "DRangeOptimize" },
	{ SONY_DPC_IMAGE_SIZE, "ImageSize" },
	{ SONY_DPC_SHUTTER_SPEED, "ShutterSpeed" },
	{ SONY_DPC_BATTERY_ICON, "BatteryLevelIndicator" },
	{ SONY_DPC_COLOR_TEMP, "ColorTemp" },
	{ SONY_DPC_CC_FILTER, "CCFilter" },
	{ SONY_DPC_ASPECT_RATIO, "AspectRatio" },
	{ SONY_DPC_LIVEVIEW_STATUS_D212, "D212" },
	{ SONY_DPC_FOCUS_FOUND, "FocusFound" },
	{ SONY_DPC_ZOOM, "Zoom" },
	{ SONY_DPC_OBJECT_IN_MEMORY, "ObjectInMemory" },
	{ SONY_DPC_AEL_INDICATION, "AELockIndication" },
	{ SONY_DPC_BATTERY_LEVEL, "BatteryLevel" },
	{ SONY_DPC_SENSOR_CROP, "SensorCrop" },
	{ SONY_DPC_PICTURE_EFFECT, "PictureEffect" },
	{ SONY_DPC_AB_FILTER, "ABFilter" },
	{ SONY_DPC_MOVIE_RECORDING, "MovieRecordingState" },
	{ SONY_DPC_ISO, "ISO" },
	{ SONY_DPC_FEL_INDICATION, "FELockIndication" },
	{ SONY_DPC_LIVEVIEW_STATUS, "LiveViewStatus" },
	{ SONY_DPC_PRIORITY_MODE, "PriorityMode" },
	{ SONY_CTL_S1, "ShutterHalfRelease" },
	{ SONY_CTL_S2, "ShutterRelease" },
	{ SONY_CTL_AEL, "AELButton" },
	{ SONY_CTL_RELEASE_LOCK, "ReleaseLock" },
	{ SONY_CTL_ONE_SHOT, "RequestOneShooting" },
	{ SONY_CTL_MOVIE, "MovieRecButtonHold" },
	{ SONY_CTL_FEL, "FELButton" },
};

/* Newer bodies only (dossier §2.4); none seen from an a6300. */
static const struct code_name sony_rcs[] = {
	{ 0xA101, "AuthenticationFailed" },
	{ 0xA102, "PasswordLengthOverMax" },
	{ 0xA103, "PasswordIncludesInvalidChar" },
	{ 0xA104, "FeatureVersionInvalidValue" },
	{ 0xA105, "TemporaryStorageFull" },
	{ 0xA106, "CameraStatusError" },
};

static const char *lookup(const struct code_name *t, size_t n, uint16_t code)
{
	for (size_t i = 0; i < n; i++)
		if (t[i].code == code)
			return t[i].name;
	return NULL;
}

const char *sony_op_name(uint16_t op)
{
	const char *n = lookup(sony_ops, ARRAY_LEN(sony_ops), op);

	return n ? n : ptp_op_name(op);
}

const char *sony_event_name(uint16_t ev)
{
	const char *n = lookup(sony_events, ARRAY_LEN(sony_events), ev);

	return n ? n : ptp_event_name(ev);
}

const char *sony_prop_name(uint16_t prop)
{
	const char *n = lookup(sony_props, ARRAY_LEN(sony_props), prop);

	return n ? n : ptp_prop_name(prop);
}

const char *sony_rc_name(uint16_t rc)
{
	const char *n = lookup(sony_rcs, ARRAY_LEN(sony_rcs), rc);

	return n ? n : ptp_rc_name(rc);
}

/*
 * Vendor id 0x11, or the MTP id 6 with Sony as manufacturer (libgphoto2
 * maps both to Sony, dossier §2.2), plus the two handshake operations: a
 * body in MTP mode lacks them (dossier §7.1).
 */
bool sony_is_remote_capable(const struct ptp_device_info *di)
{
	bool sony;

	if (!di)
		return false;
	sony = di->vendor_ext_id == SONY_VENDOR_EXT_ID ||
	       (di->vendor_ext_id == SONY_VENDOR_EXT_ID_MTP &&
		strcmp(di->manufacturer, "Sony Corporation") == 0);
	return sony &&
	       ptp_u16_list_has(&di->operations, SONY_OC_SDIO_CONNECT) &&
	       ptp_u16_list_has(&di->operations, SONY_OC_GET_EXT_DEVICE_INFO);
}
