// Package schema reads the .wire language, in which a binary protocol is
// described once, and resolves it into a model that generators turn into
// code: Go codecs (package gen/golang), dissectors and documentation.
//
// A schema declares a frame, messages, enums and services:
//
//	package orders
//
//	frame WK {
//	    magic   u16 = 0x574B
//	    version u8 = 1 @version
//	    type    u8
//	    id      u32 @id
//	    length  u32 = len(body) max 1MiB
//	    body    message(type)
//	    crc     u32 = crc32c(magic .. body)
//	}
//
//	enum Side : u1 { buy = 0  sell = 1 }
//
//	message NewOrder = 3 {
//	    order_id u64
//	    side     Side
//	    _        u7 = 0
//	    tag      string(u8) zerocopy
//	}
//
// docs/schema.md describes the language, with its grammar and an example of
// every construct.
//
// Parse checks everything a generator relies on: names resolve, values fit
// their widths, fields that must start on a byte boundary do, sizes refer to
// earlier fields, type ids are distinct and fit the frame. It reports every
// problem as a Diagnostic with the position, the source line and a hint.
//
// The model gives each field its exact place: Field.Offset is a number of
// bits from the start of the message, or from the end of the last field
// whose size varies, and bit fields sharing bytes form a Group with the
// shift of each:
//
//	byte 12 of NewOrder, bit order msb:
//	  7    6  5   4  3  2  1  0
//	+----+------+---------------+
//	|side| tif  |   reserved    |   side: Shift 7, tif: Shift 5
//	+----+------+---------------+
package schema
