/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ptp: the ISO 15740 core, vendor-neutral. Container codec, the PTP data
 * types (strings, arrays, values), the DeviceInfo / ObjectInfo /
 * DevicePropDesc datasets, code names, and the transaction engine over a
 * struct ptp_transport. Knows nothing about Sony.
 *
 * Parsers are pure functions over untrusted bytes (no I/O, no globals): they
 * return 0 or a negative ALPHAFS_ERR_* (MALFORMED, TRUNCATED, TOO_BIG,
 * NOMEM) and never read outside the buffer they were given.
 */
#ifndef ALPHAFS_PTP_H
#define ALPHAFS_PTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ptp/transport.h"
#include "util/util.h"

/* ---- containers ------------------------------------------------------- */
#define PTP_HEADER_SIZE 12
#define PTP_MAX_PARAMS 5
#define PTP_EVENT_MAX_PARAMS 3
#define PTP_EVENT_MAX_SIZE (PTP_HEADER_SIZE + 4 * PTP_EVENT_MAX_PARAMS)
#define PTP_LENGTH_UNKNOWN 0xFFFFFFFFu /* "read until a short packet" */
#define PTP_TID_EVENT 0xFFFFFFFFu      /* Sony events carry this id */

enum ptp_container_type {
	PTP_TYPE_UNDEFINED = 0,
	PTP_TYPE_COMMAND = 1,
	PTP_TYPE_DATA = 2,
	PTP_TYPE_RESPONSE = 3,
	PTP_TYPE_EVENT = 4,
};

struct ptp_header {
	uint32_t length; /* whole container, header included */
	uint16_t type;
	uint16_t code;
	uint32_t tid;
};

/* A decoded command, response or event: header plus 0-5 parameters. */
struct ptp_params {
	uint16_t type;
	uint16_t code;
	uint32_t tid;
	unsigned nparams;
	uint32_t params[PTP_MAX_PARAMS];
};

/* Decodes the 12-byte header at buf. TRUNCATED if len < 12; MALFORMED if
 * length < 12 (and is not PTP_LENGTH_UNKNOWN) or the type is not 1-4. */
int ptp_header_decode(const uint8_t *buf, size_t len, struct ptp_header *out);
void ptp_header_encode(uint8_t out[PTP_HEADER_SIZE], uint32_t length,
		       uint16_t type, uint16_t code, uint32_t tid);

/*
 * Decodes a whole command, response or event container of exactly len bytes
 * (len must equal the header's length field). MALFORMED when the lengths
 * disagree, the parameter area is not whole u32s, there are more than 5
 * parameters (3 for events) or the type is DATA.
 */
int ptp_params_decode(const uint8_t *buf, size_t len, struct ptp_params *out);
/* Encodes a command/response/event into out (cap >= 12 + 4 * nparams);
 * returns the byte count, or INVALID (nparams > 5, cap too small). */
int ptp_params_encode(uint8_t *out, size_t cap, const struct ptp_params *c);

/* ---- data types --------------------------------------------------------- */
enum ptp_dtc {
	PTP_DTC_UNDEF = 0x0000,
	PTP_DTC_INT8 = 0x0001,
	PTP_DTC_UINT8 = 0x0002,
	PTP_DTC_INT16 = 0x0003,
	PTP_DTC_UINT16 = 0x0004,
	PTP_DTC_INT32 = 0x0005,
	PTP_DTC_UINT32 = 0x0006,
	PTP_DTC_INT64 = 0x0007,
	PTP_DTC_UINT64 = 0x0008,
	PTP_DTC_INT128 = 0x0009,
	PTP_DTC_UINT128 = 0x000A,
	PTP_DTC_ARRAY_MASK = 0x4000,
	PTP_DTC_STR = 0xFFFF,
};

/* A PTP string is at most 255 UCS-2 units; as UTF-8 each unit takes at most
 * 3 bytes (a surrogate pair, 2 units, takes 4). */
#define PTP_STRING_MAX_UNITS 255
#define PTP_STRING_UTF8_MAX (PTP_STRING_MAX_UNITS * 3 + 1)
/* Upper bound on array elements we accept from a device. */
#define PTP_ARRAY_MAX 8192

/* Reads a PTP string into out as UTF-8 (NUL-terminated, cap >= 1).
 * Unpaired surrogates become U+FFFD; a missing terminating NUL unit is
 * tolerated; NUL units inside end the string. Latches r->bad on a short
 * read. Returns 0 or MALFORMED/TRUNCATED. */
int ptp_read_string(struct rd *r, char *out, size_t cap);
/* Appends a PTP string (UTF-8 in, UCS-2 out, NUL unit included; "" is the
 * single byte 0). Strings longer than 254 units are cut at a character
 * boundary. Invalid UTF-8 bytes become U+FFFD. */
void ptp_write_string(struct buf *b, const char *utf8);

/* A counted list of 16-bit codes owned by its container struct. */
struct ptp_u16_list {
	uint16_t *v;
	uint32_t n;
};
/* Reads an AUINT16 (u32 count + elements). count > PTP_ARRAY_MAX gives
 * TOO_BIG; count beyond the data gives TRUNCATED. out->v is allocated with
 * mem_alloc (NULL when n == 0); free with ptp_u16_list_finish. */
int ptp_read_u16_list(struct rd *r, struct ptp_u16_list *out);
void ptp_write_u16_list(struct buf *b, const uint16_t *v, uint32_t n);
void ptp_u16_list_finish(struct ptp_u16_list *l);
bool ptp_u16_list_has(const struct ptp_u16_list *l, uint16_t code);

/* A property value: integers in i/u by signedness of type, strings in str
 * (owned, mem_alloc'd). 128-bit and array values are not supported
 * (UNSUPPORTED from the reader). */
struct ptp_value {
	uint16_t type;
	union {
		int64_t i;
		uint64_t u;
	};
	char *str;
};
/* Byte width of an integer type code, 0 for STR/arrays/unknown. */
size_t ptp_dtc_size(uint16_t type);
bool ptp_dtc_signed(uint16_t type);
int ptp_value_read(struct rd *r, uint16_t type, struct ptp_value *out);
void ptp_value_write(struct buf *b, const struct ptp_value *v);
void ptp_value_finish(struct ptp_value *v);
/* Renders a value for humans ("-3", "0x00010064", "text") into out. */
void ptp_value_format(const struct ptp_value *v, char *out, size_t cap);

/* ---- datasets ----------------------------------------------------------- */
struct ptp_device_info {
	uint16_t standard_version;
	uint32_t vendor_ext_id;
	uint16_t vendor_ext_version;
	char vendor_ext_desc[PTP_STRING_UTF8_MAX];
	uint16_t functional_mode;
	struct ptp_u16_list operations;
	struct ptp_u16_list events;
	struct ptp_u16_list properties;
	struct ptp_u16_list capture_formats;
	struct ptp_u16_list image_formats;
	char manufacturer[PTP_STRING_UTF8_MAX];
	char model[PTP_STRING_UTF8_MAX];
	char device_version[PTP_STRING_UTF8_MAX];
	char serial[PTP_STRING_UTF8_MAX];
};
/* Parses a DeviceInfo dataset (the data phase of GetDeviceInfo). On error
 * out is left finished (nothing to free). */
int ptp_device_info_parse(const uint8_t *buf, size_t len,
			  struct ptp_device_info *out);
void ptp_device_info_write(struct buf *b, const struct ptp_device_info *di);
void ptp_device_info_finish(struct ptp_device_info *di);

struct ptp_object_info {
	uint32_t storage_id;
	uint16_t format;
	uint16_t protection;
	uint32_t compressed_size;
	uint16_t thumb_format;
	uint32_t thumb_size;
	uint32_t thumb_width, thumb_height;
	uint32_t width, height, bit_depth;
	uint32_t parent;
	uint16_t association_type;
	uint32_t association_desc;
	uint32_t sequence_number;
	char filename[PTP_STRING_UTF8_MAX];
	char capture_date[PTP_STRING_UTF8_MAX];
	char modification_date[PTP_STRING_UTF8_MAX];
	char keywords[PTP_STRING_UTF8_MAX];
};
int ptp_object_info_parse(const uint8_t *buf, size_t len,
			  struct ptp_object_info *out);
void ptp_object_info_write(struct buf *b, const struct ptp_object_info *oi);

enum ptp_prop_form { PTP_FORM_NONE = 0, PTP_FORM_RANGE = 1, PTP_FORM_ENUM = 2 };
/* Sony's 2.00 descriptor has one extra byte (IsEnabled) after GetSet. */
#define PTP_DPD_ENABLED_BYTE 0x1u
/* Sony's 3.00 descriptor: an enumeration form carries two lists, each
 * u16 count + values (the second kept in enum2_values). */
#define PTP_DPD_TWO_ENUMS 0x2u
/* Cap on enumeration entries in one descriptor. */
#define PTP_ENUM_MAX 1024

struct ptp_prop_desc {
	uint16_t code;
	uint16_t type;
	uint8_t getset;	    /* 0 get, 1 get/set; vendor bits kept as sent */
	uint8_t is_enabled; /* only with PTP_DPD_ENABLED_BYTE; else 1 */
	struct ptp_value factory;
	struct ptp_value current;
	uint8_t form; /* enum ptp_prop_form */
	struct ptp_value min, max, step;
	struct ptp_value *enum_values; /* enum_count entries, owned */
	uint16_t enum_count;
	/* PTP_DPD_TWO_ENUMS only: the second list (owned) */
	struct ptp_value *enum2_values;
	uint16_t enum2_count;
};
/* Reads one DevicePropDesc from the cursor (flags: PTP_DPD_*). A STR
 * property may end right after the factory default (current = factory).
 * On error *out holds nothing to free. */
int ptp_prop_desc_read(struct rd *r, unsigned flags, struct ptp_prop_desc *out);
void ptp_prop_desc_write(struct buf *b, const struct ptp_prop_desc *d,
			 unsigned flags);
void ptp_prop_desc_finish(struct ptp_prop_desc *d);

/* ---- codes -------------------------------------------------------------- */
enum ptp_rc {
	PTP_RC_UNDEFINED = 0x2000,
	PTP_RC_OK = 0x2001,
	PTP_RC_GENERAL_ERROR = 0x2002,
	PTP_RC_SESSION_NOT_OPEN = 0x2003,
	PTP_RC_INVALID_TRANSACTION_ID = 0x2004,
	PTP_RC_OPERATION_NOT_SUPPORTED = 0x2005,
	PTP_RC_PARAMETER_NOT_SUPPORTED = 0x2006,
	PTP_RC_INCOMPLETE_TRANSFER = 0x2007,
	PTP_RC_INVALID_STORAGE_ID = 0x2008,
	PTP_RC_INVALID_OBJECT_HANDLE = 0x2009,
	PTP_RC_DEVICE_PROP_NOT_SUPPORTED = 0x200A,
	PTP_RC_INVALID_OBJECT_FORMAT_CODE = 0x200B,
	PTP_RC_STORE_FULL = 0x200C,
	PTP_RC_OBJECT_WRITE_PROTECTED = 0x200D,
	PTP_RC_STORE_READ_ONLY = 0x200E,
	PTP_RC_ACCESS_DENIED = 0x200F,
	PTP_RC_NO_THUMBNAIL_PRESENT = 0x2010,
	PTP_RC_SELF_TEST_FAILED = 0x2011,
	PTP_RC_PARTIAL_DELETION = 0x2012,
	PTP_RC_STORE_NOT_AVAILABLE = 0x2013,
	PTP_RC_SPEC_BY_FORMAT_UNSUPPORTED = 0x2014,
	PTP_RC_NO_VALID_OBJECT_INFO = 0x2015,
	PTP_RC_INVALID_CODE_FORMAT = 0x2016,
	PTP_RC_UNKNOWN_VENDOR_CODE = 0x2017,
	PTP_RC_CAPTURE_ALREADY_TERMINATED = 0x2018,
	PTP_RC_DEVICE_BUSY = 0x2019,
	PTP_RC_INVALID_PARENT_OBJECT = 0x201A,
	PTP_RC_INVALID_DEVICE_PROP_FORMAT = 0x201B,
	PTP_RC_INVALID_DEVICE_PROP_VALUE = 0x201C,
	PTP_RC_INVALID_PARAMETER = 0x201D,
	PTP_RC_SESSION_ALREADY_OPEN = 0x201E,
	PTP_RC_TRANSACTION_CANCELLED = 0x201F,
	PTP_RC_SPEC_OF_DESTINATION_UNSUPPORTED = 0x2020,
};

enum ptp_oc {
	PTP_OC_GET_DEVICE_INFO = 0x1001,
	PTP_OC_OPEN_SESSION = 0x1002,
	PTP_OC_CLOSE_SESSION = 0x1003,
	PTP_OC_GET_STORAGE_IDS = 0x1004,
	PTP_OC_GET_STORAGE_INFO = 0x1005,
	PTP_OC_GET_NUM_OBJECTS = 0x1006,
	PTP_OC_GET_OBJECT_HANDLES = 0x1007,
	PTP_OC_GET_OBJECT_INFO = 0x1008,
	PTP_OC_GET_OBJECT = 0x1009,
	PTP_OC_GET_THUMB = 0x100A,
	PTP_OC_DELETE_OBJECT = 0x100B,
	PTP_OC_INITIATE_CAPTURE = 0x100E,
	PTP_OC_GET_DEVICE_PROP_DESC = 0x1014,
	PTP_OC_GET_DEVICE_PROP_VALUE = 0x1015,
	PTP_OC_SET_DEVICE_PROP_VALUE = 0x1016,
	PTP_OC_GET_PARTIAL_OBJECT = 0x101B,
};

enum ptp_ec {
	PTP_EC_CANCEL_TRANSACTION = 0x4001,
	PTP_EC_OBJECT_ADDED = 0x4002,
	PTP_EC_OBJECT_REMOVED = 0x4003,
	PTP_EC_STORE_ADDED = 0x4004,
	PTP_EC_STORE_REMOVED = 0x4005,
	PTP_EC_DEVICE_PROP_CHANGED = 0x4006,
	PTP_EC_OBJECT_INFO_CHANGED = 0x4007,
	PTP_EC_DEVICE_INFO_CHANGED = 0x4008,
	PTP_EC_REQUEST_OBJECT_TRANSFER = 0x4009,
	PTP_EC_STORE_FULL = 0x400A,
	PTP_EC_DEVICE_RESET = 0x400B,
	PTP_EC_STORAGE_INFO_CHANGED = 0x400C,
	PTP_EC_CAPTURE_COMPLETE = 0x400D,
	PTP_EC_UNREPORTED_STATUS = 0x400E,
};

#define PTP_OFC_JPEG 0x3801
#define PTP_OFC_UNDEFINED 0x3000

/* Standard names ("AccessDenied", "GetObject"), or NULL for vendor or
 * unknown codes. Static strings, thread-safe. */
const char *ptp_rc_name(uint16_t rc);
const char *ptp_op_name(uint16_t op);
const char *ptp_event_name(uint16_t ev);
const char *ptp_prop_name(uint16_t prop);
/* "AccessDenied (0x200F)", or "0xA101" when the name is unknown. */
void ptp_rc_describe(uint16_t rc, char *out, size_t cap);

/* ---- transaction engine ---------------------------------------------- */
/* Upper bound on one incoming data phase (a live-view frame is far less;
 * a full-size RAW still is ~25 MB). */
#define PTP_DATA_MAX (64u * 1024 * 1024)
#define PTP_TIMEOUT_DEFAULT_MS 5000

enum ptp_data_dir { PTP_DATA_NONE, PTP_DATA_IN, PTP_DATA_OUT };

struct ptp_request {
	uint16_t code;
	unsigned nparams;
	uint32_t params[PTP_MAX_PARAMS];
	enum ptp_data_dir dir;
	const uint8_t *out; /* PTP_DATA_OUT payload (without header) */
	size_t out_len;
};

struct ptp_response {
	uint16_t code; /* PTP response code (0 if none arrived) */
	uint32_t tid;
	unsigned nparams;
	uint32_t params[PTP_MAX_PARAMS];
	/* PTP_DATA_IN payload without the container header. Owned by the
	 * caller after the call: free with ptp_response_finish (or take it
	 * and mem_free it). NULL when no data phase arrived. data_cap is the
	 * allocation size (>= data_len). */
	uint8_t *data;
	size_t data_len;
	size_t data_cap;
};

struct ptp_session {
	struct ptp_transport *t; /* not owned */
	uint32_t session_id;	 /* 0 when no session is open */
	uint32_t next_tid;
	unsigned timeout_ms;
	size_t data_max;
	/* Bytes that arrived beyond a container's end in one transfer; the
	 * engine uses them before reading the pipe again (dossier §1.3). */
	uint8_t *surplus;
	size_t surplus_len;
	/* Set when a transaction failed mid-way so the pipe state is unknown
	 * (timeout, cut-short data, protocol violation): the caller must run
	 * ptp_session_reset before the next transaction. */
	bool desynced;
	struct err_detail err;
	/* The response code of the last transaction (0 when none came), so a
	 * caller of a wrapper that hides the response can still tell
	 * DeviceBusy from another refusal. */
	uint16_t last_rc;
	/* Counters for info/status and tests. */
	uint64_t transactions;
	uint64_t zlps_skipped;
	uint64_t stale_responses;
	uint64_t halts_cleared;
};

/* Binds s to t (not owned). Timeouts default to PTP_TIMEOUT_DEFAULT_MS. */
void ptp_session_init(struct ptp_session *s, struct ptp_transport *t);
void ptp_session_finish(struct ptp_session *s);

/*
 * Runs one transaction: command, optional data phase, response.
 * Returns 0 when the device answered OK; ALPHAFS_ERR_PTP_RESPONSE when it
 * answered another code (resp->code says which; any data that came is in
 * resp); or a transport/protocol error (TIMEOUT, NO_DEVICE, PIPE, PROTOCOL,
 * TRUNCATED, TOO_BIG, NOMEM...) with s->err holding the detail and, where
 * the pipe state is unknown, s->desynced set. resp is always initialised;
 * free it with ptp_response_finish.
 */
int ptp_transact(struct ptp_session *s, const struct ptp_request *req,
		 struct ptp_response *resp);
void ptp_response_finish(struct ptp_response *resp);

/* Convenience wrappers. Return values as ptp_transact. */
int ptp_open_session(struct ptp_session *s, uint32_t session_id);
int ptp_close_session(struct ptp_session *s);
int ptp_get_device_info(struct ptp_session *s, struct ptp_device_info *out);
/* On 0 the caller owns resp's data (the object bytes). */
int ptp_get_object(struct ptp_session *s, uint32_t handle,
		   struct ptp_response *resp);
int ptp_get_object_info(struct ptp_session *s, uint32_t handle,
			struct ptp_object_info *out);

/*
 * Recovery after a failed transaction: Device Reset class request, clear
 * halts on both bulk endpoints, drop surplus bytes; the session is closed
 * afterwards (session_id 0, next_tid 0) and desynced cleared. Returns 0 or
 * a transport error.
 */
int ptp_session_reset(struct ptp_session *s);

/* Class requests. status: the 16-bit code from Get Device Status. */
int ptp_class_get_status(struct ptp_transport *t, uint16_t *status,
			 unsigned timeout_ms);
int ptp_class_reset(struct ptp_transport *t, unsigned timeout_ms);
int ptp_class_cancel(struct ptp_transport *t, uint32_t tid,
		     unsigned timeout_ms);

/* ---- events ----------------------------------------------------------- */
struct ptp_event {
	uint16_t code;
	uint32_t tid;
	unsigned nparams;
	uint32_t params[PTP_EVENT_MAX_PARAMS];
};
/* Decodes an event container as read from the interrupt pipe. */
int ptp_event_decode(const uint8_t *buf, size_t len, struct ptp_event *out);
/* Reads one event (timeout_ms 0: only if already queued). TIMEOUT when
 * none. */
int ptp_event_read(struct ptp_session *s, struct ptp_event *ev,
		   unsigned timeout_ms);

#endif
