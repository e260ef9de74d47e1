/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Readable names for the standard PTP codes (PIMA 15740, dossier §2.4). */
#include <stdio.h>

#include "ptp/ptp.h"

struct code_name {
	uint16_t code;
	const char *name;
};

static const struct code_name rc_names[] = {
	{ 0x2000, "Undefined" },
	{ 0x2001, "OK" },
	{ 0x2002, "GeneralError" },
	{ 0x2003, "SessionNotOpen" },
	{ 0x2004, "InvalidTransactionID" },
	{ 0x2005, "OperationNotSupported" },
	{ 0x2006, "ParameterNotSupported" },
	{ 0x2007, "IncompleteTransfer" },
	{ 0x2008, "InvalidStorageID" },
	{ 0x2009, "InvalidObjectHandle" },
	{ 0x200A, "DevicePropNotSupported" },
	{ 0x200B, "InvalidObjectFormatCode" },
	{ 0x200C, "StoreFull" },
	{ 0x200D, "ObjectWriteProtected" },
	{ 0x200E, "StoreReadOnly" },
	{ 0x200F, "AccessDenied" },
	{ 0x2010, "NoThumbnailPresent" },
	{ 0x2011, "SelfTestFailed" },
	{ 0x2012, "PartialDeletion" },
	{ 0x2013, "StoreNotAvailable" },
	{ 0x2014, "SpecificationByFormatUnsupported" },
	{ 0x2015, "NoValidObjectInfo" },
	{ 0x2016, "InvalidCodeFormat" },
	{ 0x2017, "UnknownVendorCode" },
	{ 0x2018, "CaptureAlreadyTerminated" },
	{ 0x2019, "DeviceBusy" },
	{ 0x201A, "InvalidParentObject" },
	{ 0x201B, "InvalidDevicePropFormat" },
	{ 0x201C, "InvalidDevicePropValue" },
	{ 0x201D, "InvalidParameter" },
	{ 0x201E, "SessionAlreadyOpen" },
	{ 0x201F, "TransactionCancelled" },
	{ 0x2020, "SpecificationOfDestinationUnsupported" },
};

static const struct code_name op_names[] = {
	{ 0x1001, "GetDeviceInfo" },
	{ 0x1002, "OpenSession" },
	{ 0x1003, "CloseSession" },
	{ 0x1004, "GetStorageIDs" },
	{ 0x1005, "GetStorageInfo" },
	{ 0x1006, "GetNumObjects" },
	{ 0x1007, "GetObjectHandles" },
	{ 0x1008, "GetObjectInfo" },
	{ 0x1009, "GetObject" },
	{ 0x100A, "GetThumb" },
	{ 0x100B, "DeleteObject" },
	{ 0x100C, "SendObjectInfo" },
	{ 0x100D, "SendObject" },
	{ 0x100E, "InitiateCapture" },
	{ 0x100F, "FormatStore" },
	{ 0x1010, "ResetDevice" },
	{ 0x1011, "SelfTest" },
	{ 0x1012, "SetObjectProtection" },
	{ 0x1013, "PowerDown" },
	{ 0x1014, "GetDevicePropDesc" },
	{ 0x1015, "GetDevicePropValue" },
	{ 0x1016, "SetDevicePropValue" },
	{ 0x1017, "ResetDevicePropValue" },
	{ 0x1018, "TerminateOpenCapture" },
	{ 0x1019, "MoveObject" },
	{ 0x101A, "CopyObject" },
	{ 0x101B, "GetPartialObject" },
	{ 0x101C, "InitiateOpenCapture" },
};

static const struct code_name event_names[] = {
	{ 0x4001, "CancelTransaction" },
	{ 0x4002, "ObjectAdded" },
	{ 0x4003, "ObjectRemoved" },
	{ 0x4004, "StoreAdded" },
	{ 0x4005, "StoreRemoved" },
	{ 0x4006, "DevicePropChanged" },
	{ 0x4007, "ObjectInfoChanged" },
	{ 0x4008, "DeviceInfoChanged" },
	{ 0x4009, "RequestObjectTransfer" },
	{ 0x400A, "StoreFull" },
	{ 0x400B, "DeviceReset" },
	{ 0x400C, "StorageInfoChanged" },
	{ 0x400D, "CaptureComplete" },
	{ 0x400E, "UnreportedStatus" },
};

static const struct code_name prop_names[] = {
	{ 0x5001, "BatteryLevel" },
	{ 0x5002, "FunctionalMode" },
	{ 0x5003, "ImageSize" },
	{ 0x5004, "CompressionSetting" },
	{ 0x5005, "WhiteBalance" },
	{ 0x5006, "RGBGain" },
	{ 0x5007, "FNumber" },
	{ 0x5008, "FocalLength" },
	{ 0x5009, "FocusDistance" },
	{ 0x500A, "FocusMode" },
	{ 0x500B, "ExposureMeteringMode" },
	{ 0x500C, "FlashMode" },
	{ 0x500D, "ExposureTime" },
	{ 0x500E, "ExposureProgramMode" },
	{ 0x500F, "ExposureIndex" },
	{ 0x5010, "ExposureBiasCompensation" },
	{ 0x5011, "DateTime" },
	{ 0x5012, "CaptureDelay" },
	{ 0x5013, "StillCaptureMode" },
	{ 0x5014, "Contrast" },
	{ 0x5015, "Sharpness" },
	{ 0x5016, "DigitalZoom" },
	{ 0x5017, "EffectMode" },
	{ 0x5018, "BurstNumber" },
	{ 0x5019, "BurstInterval" },
	{ 0x501A, "TimelapseNumber" },
	{ 0x501B, "TimelapseInterval" },
	{ 0x501C, "FocusMeteringMode" },
	{ 0x501D, "UploadURL" },
	{ 0x501E, "Artist" },
	{ 0x501F, "CopyrightInfo" },
};

static const char *lookup(const struct code_name *t, size_t n, uint16_t code)
{
	for (size_t i = 0; i < n; i++)
		if (t[i].code == code)
			return t[i].name;
	return NULL;
}

const char *ptp_rc_name(uint16_t rc)
{
	return lookup(rc_names, ARRAY_LEN(rc_names), rc);
}

const char *ptp_op_name(uint16_t op)
{
	return lookup(op_names, ARRAY_LEN(op_names), op);
}

const char *ptp_event_name(uint16_t ev)
{
	return lookup(event_names, ARRAY_LEN(event_names), ev);
}

const char *ptp_prop_name(uint16_t prop)
{
	return lookup(prop_names, ARRAY_LEN(prop_names), prop);
}

void ptp_rc_describe(uint16_t rc, char *out, size_t cap)
{
	const char *name = ptp_rc_name(rc);

	if (name)
		snprintf(out, cap, "%s (0x%04X)", name, rc);
	else
		snprintf(out, cap, "0x%04X", rc);
}
