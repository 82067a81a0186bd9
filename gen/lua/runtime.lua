-- The rest of this file is the same for every schema: it reads the tables
-- above, as package schema/dissect reads the schema in Go, and the two
-- build the same tree.

-- Lua 5.2 has bit32; Lua 5.3 and later have operators instead. They are
-- hidden in a string, which Lua 5.2 never compiles.
local bit32 = bit32 or load([[return {
	band = function(a, b) return a & b end,
	bxor = function(a, b) return a ~ b end,
	rshift = function(a, n) return (a & 0xFFFFFFFF) >> n end,
	bnot = function(a) return ~a & 0xFFFFFFFF end,
	extract = function(a, f, w) return (a >> f) & ((1 << w) - 1) end,
}]])()

-- Integers of up to 32 bits are Lua numbers; wider ones are Wireshark's
-- UInt64 and Int64, which hold them exactly.

local function num(v)
	if type(v) == "number" then return v end
	return v:tonumber()
end

local function fmt(v)
	if type(v) == "number" then return string.format("%d", v) end
	return tostring(v)
end

-- show writes a value as Wireshark's JSON does: hexadecimal for magic
-- numbers and checksums, decimal for other integers, 1 and 0 for booleans.
local function show(d, v)
	if d.hex then
		local digits = math.ceil(d.width / 4)
		if type(v) == "number" then return string.format("0x%0" .. digits .. "x", v) end
		return "0x" .. v:tohex(digits)
	end
	return fmt(v)
end

local function name_of(names, v)
	if names == nil then return nil end
	return names[num(v)]
end

local function sign_extend(v, width)
	if type(v) == "number" then
		if v >= 2 ^ (width - 1) then return v - 2 ^ width end
		return v
	end
	return Int64(v:lshift(64 - width)):arshift(64 - width)
end

local function in_ranges(v, ranges)
	for _, r in ipairs(ranges) do
		if v >= r[1] and v <= r[2] then return true end
	end
	return false
end

local function read_int(r, bytes, le, signed)
	if bytes <= 4 then
		if signed then
			if le then return r:le_int() end
			return r:int()
		end
		if le then return r:le_uint() end
		return r:uint()
	end
	if signed then
		if le then return r:le_int64() end
		return r:int64()
	end
	if le then return r:le_uint64() end
	return r:uint64()
end

-- get_bits returns width bits of the n-byte integer at off, starting shift
-- bits above its least significant bit; le: least significant byte first.
local function get_bits(tvb, off, n, le, shift, width)
	local v = 0
	if width > 32 then v = UInt64(0) end
	for i = width - 1, 0, -1 do
		local s = shift + i
		local k = math.floor(s / 8)
		if not le then k = n - 1 - k end
		local bit = bit32.extract(tvb(off + k, 1):uint(), s % 8, 1)
		if width > 32 then v = v:lshift(1):bor(UInt64(bit)) else v = v * 2 + bit end
	end
	return v
end

-- read_varint reads a LEB128 varint as package wire does, refusing what it
-- refuses: more than 64 bits, and encodings longer than they need be.
local function read_varint(tvb, pos, stop, kind)
	local v, shift, n, b, prev = UInt64(0), 0, 0, 0x80, 0
	while b >= 0x80 do
		if pos + n >= stop then return nil, 0, "truncated varint" end
		if n == 10 then return nil, 0, "varint overflows 64 bits" end
		prev, b = b, tvb(pos + n, 1):uint()
		v = v:bor(UInt64(bit32.band(b, 0x7F)):lshift(shift))
		shift, n = shift + 7, n + 1
	end
	if kind == "s" then
		if n == 10 and b ~= 0 and b ~= 0x7F then return nil, 0, "varint overflows 64 bits" end
		local fill = 0
		if bit32.band(prev, 0x40) ~= 0 then fill = 0x7F end
		if n > 1 and b == fill then return nil, 0, "varint longer than it needs be" end
		if shift < 64 and bit32.band(b, 0x40) ~= 0 then return sign_extend(v, shift), n end
		return Int64(v), n
	end
	if n == 10 and b > 1 then return nil, 0, "varint overflows 64 bits" end
	if n > 1 and b == 0 then return nil, 0, "varint longer than it needs be" end
	if kind == "z" then
		local x = v:rshift(1)
		if v:band(UInt64(1)) == UInt64(1) then x = x:bnot() end
		return Int64(x), n
	end
	return v, n
end

local function utf8_valid(s)
	local i, n = 1, #s
	while i <= n do
		local c, k = s:byte(i), 0
		if c >= 0xC2 and c <= 0xDF then k = 1
		elseif c >= 0xE0 and c <= 0xEF then k = 2
		elseif c >= 0xF0 and c <= 0xF4 then k = 3
		elseif c >= 0x80 then return false end
		if i + k > n then return false end
		for j = 1, k do
			local d = s:byte(i + j)
			if d < 0x80 or d > 0xBF then return false end
		end
		local d = s:byte(i + 1)
		if c == 0xE0 and d < 0xA0 or c == 0xED and d > 0x9F or c == 0xF0 and d < 0x90 or c == 0xF4 and d > 0x8F then
			return false
		end
		i = i + k + 1
	end
	return true
end

local crc_tables = {}

-- crc32 computes a reflected CRC-32 (IEEE or Castagnoli, by poly) of len
-- bytes at off, a byte at a time from a table.
local function crc32(tvb, off, len, poly)
	local t = crc_tables[poly]
	if t == nil then
		t = {}
		for i = 0, 255 do
			local c = i
			for _ = 1, 8 do
				if bit32.band(c, 1) == 1 then c = bit32.bxor(bit32.rshift(c, 1), poly) else c = bit32.rshift(c, 1) end
			end
			t[i] = c
		end
		crc_tables[poly] = t
	end
	local c, s = 0xFFFFFFFF, tvb:raw(off, len)
	for i = 1, #s do
		c = bit32.bxor(bit32.rshift(c, 8), t[bit32.band(bit32.bxor(c, s:byte(i)), 0xFF)])
	end
	return bit32.bnot(c)
end

-- Building the tree. A nil tree decodes without one: frame_len reads a
-- header that way.

local function add(tree, hf, range, le, value)
	if tree == nil then return nil end
	if value ~= nil then return tree:add(hf, range, value) end
	if le then return tree:add_le(hf, range) end
	return tree:add(hf, range)
end

local function raise(st, item, e, text)
	st.raised[e] = true
	if item ~= nil then item:add_proto_expert_info(e, text) end
end

local function scope()
	return { vals = {}, lens = {}, items = {}, ranges = {} }
end

-- hex_bytes writes bytes as Wireshark's JSON does: 57:4b.
local function hex_bytes(s)
	local out = {}
	for i = 1, #s do out[i] = string.format("%02x", s:byte(i)) end
	return table.concat(out, ":")
end

local function short(what, need, left)
	return string.format("truncated: %s needs %d bytes, %d left", what, need, left)
end

-- check reports a value the schema does not allow.
local function check(st, d, item, v)
	local e = EX.invalid
	if d.role == "magic" then e = EX.bad_magic elseif d.role == "version" then e = EX.bad_version end
	if d.const ~= nil and v ~= d.const then
		raise(st, item, e, string.format("%s is %s, want %s", d.label, show(d, v), show(d, d.const)))
	elseif d.rule ~= nil and not in_ranges(v, d.rule) then
		raise(st, item, e, string.format("%s is %s, not in %s", d.label, show(d, v), d.rule_text))
	elseif d.strict and name_of(d.names, v) == nil then
		raise(st, item, e, string.format("%s is %s, not a value of %s", d.label, show(d, v), d.strict))
	elseif d.role == "length" and v > FRAME.max then
		raise(st, item, EX.bad_length, string.format("length %s is over the maximum %s", fmt(v), fmt(FRAME.max)))
	end
end

-- summarize describes a top-level field of a body for the Info column: an
-- enum by the name of its value, a true bool by its own name, a number as
-- name=value, a string in quotes (nil: not UTF-8), bytes and arrays by
-- their size.
local function summarize(sum, d, v, count)
	local s = d.sum
	local w
	if s == "array" then w = string.format("%s=[%d]", d.label, count)
	elseif s == "enum" then w = name_of(d.names, v) or d.label .. "=" .. show(d, v)
	elseif s == "bool" then if v ~= 0 then w = d.label end
	elseif s == "float" then w = d.label .. "=" .. string.format("%g", v)
	elseif s == "string" then w = d.label .. "=" .. (v and '"' .. v .. '"' or "<not UTF-8>")
	elseif s == "bytes" then w = string.format("%s=%d bytes", d.label, v)
	elseif s ~= nil then w = d.label .. "=" .. show(d, v) end
	if w ~= nil then sum.fields[#sum.fields + 1] = w end
end

-- keep records a field's value for the conditions and sizes of later
-- fields, and where it is for the checksum.
local function keep(sc, d, v, item, r)
	sc.vals[d.name] = v
	sc.items[d.name] = item
	sc.ranges[d.name] = r
	if d.lenof ~= nil then sc.lens[d.lenof] = num(v) end
end

-- bits decodes a group of bit fields sharing bytes at pos. Groups of up to
-- 32 bits are masked fields that Wireshark reads itself; wider ones are
-- given their values.
local function bits(st, g, tree, pos, stop, sc, sum)
	local tvb = st.tvb
	if stop - pos < g.bytes then return pos, short(g.fields[1].name, g.bytes, stop - pos) end
	local r = tvb(pos, g.bytes)
	local word
	if g.masked then word = read_int(r, g.bytes, g.le, false) end
	for _, d in ipairs(g.fields) do
		local v, item
		if g.masked then
			v = bit32.extract(word, d.shift, d.width)
		else
			v = get_bits(tvb, pos, g.bytes, g.le, d.shift, d.width)
		end
		if d.signed then v = sign_extend(v, d.width) end
		if g.masked then
			item = add(tree, d.hf, r, g.le)
		elseif d.bool then
			item = add(tree, d.hf, r, false, v ~= 0)
		else
			item = add(tree, d.hf, r, false, v)
		end
		keep(sc, d, v, item, r)
		check(st, d, item, v)
		if sum ~= nil then summarize(sum, d, v) end
	end
	return pos + g.bytes
end

local value, fields

-- size reads the length of bytes or a string, or the count of an array,
-- and returns it with the position after its prefix. For rest it returns
-- the bytes left.
local function size(st, d, t, depth, tree, pos, stop, sc)
	local s = t.size
	local n
	if s.fixed ~= nil then return s.fixed, pos end
	if s.rest then return stop - pos, pos end
	if s.field then
		n = sc.lens[d.name] or 0
	elseif s.varint then
		local v, w, err = read_varint(st.tvb, pos, stop, "u")
		if err ~= nil then return 0, pos, s.label .. ": " .. err end
		add(tree, s.hf, st.tvb(pos, w), false, v)
		n, pos = v:tonumber(), pos + w
	else
		if stop - pos < s.bytes then return 0, pos, short(s.label, s.bytes, stop - pos) end
		local r = st.tvb(pos, s.bytes)
		add(tree, s.hf, r, s.le)
		n, pos = num(read_int(r, s.bytes, s.le, false)), pos + s.bytes
	end
	if depth == 0 and n > d.max then
		return 0, pos, string.format("%s: %s is over the maximum %s", d.name, fmt(n), fmt(d.max))
	end
	return n, pos
end

-- value decodes a value of type t of field d at pos: the field itself
-- (depth 0) or an element of its array. It returns where the value ends,
-- an error, and the value for the summary (the count of an array, the
-- length of bytes).
value = function(st, d, t, depth, tree, pos, stop, sc)
	local tvb, k = st.tvb, t.kind
	if k == "int" then
		if stop - pos < t.bytes then return pos, short(d.name, t.bytes, stop - pos) end
		local r = tvb(pos, t.bytes)
		local v = read_int(r, t.bytes, t.le, t.signed)
		local item = add(tree, d.hf, r, t.le)
		if depth == 0 then
			keep(sc, d, v, item, r)
			check(st, d, item, v)
		elseif d.strict and name_of(d.names, v) == nil then
			raise(st, item, EX.invalid, string.format("%s is %s, not a value of %s", d.label, show(d, v), d.strict))
		end
		return pos + t.bytes, nil, v
	elseif k == "float" then
		if stop - pos < t.bytes then return pos, short(d.name, t.bytes, stop - pos) end
		local r = tvb(pos, t.bytes)
		add(tree, d.hf, r, t.le)
		if t.le then return pos + t.bytes, nil, r:le_float() end
		return pos + t.bytes, nil, r:float()
	elseif k == "varint" then
		local v, n, err = read_varint(tvb, pos, stop, t.varint)
		if err ~= nil then return pos, d.name .. ": " .. err end
		local item = add(tree, d.hf, tvb(pos, n), false, v)
		if depth == 0 then keep(sc, d, v, item, tvb(pos, n)) end
		return pos + n, nil, v
	elseif k == "bytes" or k == "string" then
		local n, err
		n, pos, err = size(st, d, t, depth, tree, pos, stop, sc)
		if err ~= nil then return pos, err end
		if n > stop - pos then return pos, short(d.name, n, stop - pos) end
		local r, raw = tvb(pos, n), tvb:raw(pos, n)
		local item, v
		if k == "string" then
			v = r:string(ENC_UTF_8)
			item = add(tree, d.hf, r, false, v)
			if not utf8_valid(raw) then
				raise(st, item, EX.invalid, d.label .. " is not UTF-8")
				v = nil -- the summary says so
			end
		else
			v = n
			item = add(tree, d.hf, r)
			if item ~= nil and n == 0 then item:set_text(d.label .. ": (empty)") end
		end
		if depth == 0 and d.const ~= nil and raw ~= d.const then
			local e = EX.invalid
			if d.role == "magic" then e = EX.bad_magic end
			raise(st, item, e, string.format("%s is %s, want %s", d.label, hex_bytes(raw), hex_bytes(d.const)))
		end
		return pos + n, nil, v
	elseif k == "message" then
		local item = add(tree, d.hf, tvb(pos, stop - pos))
		local stop2, err = fields(st, MESSAGES[t.message].fields, item, pos, stop, scope())
		if item ~= nil then item:set_len(stop2 - pos) end
		return stop2, err
	elseif k == "array" then
		local n, err
		n, pos, err = size(st, d, t, depth, tree, pos, stop, sc)
		if err ~= nil then return pos, err end
		if not t.size.rest and n > math.floor((stop - pos) / t.least) then
			return pos, string.format("truncated: %s has %d elements of at least %d bytes, %d bytes left", d.name, n, t.least, stop - pos)
		end
		local i = 0
		while (t.size.rest and pos < stop) or (not t.size.rest and i < n) do
			local into = tree
			if t.elem.kind == "array" and tree ~= nil then
				into = tree:add(tvb(pos, stop - pos), string.format("%s[%d]", d.label, i))
			end
			local next, err2 = value(st, d, t.elem, depth + 1, into, pos, stop, sc)
			if into ~= tree then into:set_len(next - pos) end
			if err2 ~= nil then return next, err2 end
			pos, i = next, i + 1
		end
		return pos, nil, i
	end
	return pos, d.name .. ": cannot be decoded"
end

-- fields decodes the fields ds at pos under tree and returns where they
-- end, and an error if one did not decode. sum collects a body's fields for
-- the Info column.
fields = function(st, ds, tree, pos, stop, sc, sum)
	for _, d in ipairs(ds) do
		local c = d.cond
		if c == nil or in_ranges(sc.vals[c.field], c.ranges) ~= c.negate then
			local err, v
			if d.kind == "bits" then
				pos, err = bits(st, d, tree, pos, stop, sc, sum)
			else
				pos, err, v = value(st, d, d.type, 0, tree, pos, stop, sc)
				if err == nil and sum ~= nil then summarize(sum, d, v, v) end
			end
			if err ~= nil then return pos, err end
		end
	end
	return pos
end

-- frame_len returns the frame length from a decoded header, or nil and
-- the expert that says the stream has no frame here.
local function frame_len(st, sc)
	if st.raised[EX.bad_magic] then return nil, EX.bad_magic end
	if st.raised[EX.bad_length] then return nil, EX.bad_length end
	local length, fixed = num(sc.vals[FRAME.length]), FRAME.header + FRAME.trailer
	local text
	if FRAME.counts_frame and length < fixed then
		text = string.format("length %d is less than the %d bytes of header and trailer", length, fixed)
	elseif length > 2147483647 - fixed then
		text = string.format("length %s is too large to dissect", fmt(sc.vals[FRAME.length]))
	elseif FRAME.counts_frame then
		return length
	else
		return length + fixed
	end
	raise(st, sc.items[FRAME.length], EX.bad_length, text)
	return nil, EX.bad_length
end

-- peek returns the length of the frame at off from its header: nil if the
-- header is not all there, and true as a second result if the stream
-- cannot be trusted from here on.
local function peek(tvb, off)
	if tvb:len() - off < FRAME.header then return nil end
	local st, sc = { tvb = tvb, raised = {} }, scope()
	fields(st, FRAME.fields, nil, off, off + FRAME.header, sc)
	local n, bad = frame_len(st, sc)
	return n, bad ~= nil
end

-- span returns where a place of the checksum's span is: a byte offset in
-- the frame, or from the end of the body.
local function span(p, off, body_end)
	if p[2] then return body_end + p[1] end
	return off + p[1]
end

-- checksum verifies the frame's checksum, unless the preference says not
-- to, and shows the verdict under it: 1 good, 0 bad, 2 unverified.
local function checksum(st, cs, off, body_end, sc)
	local item, r = sc.items[cs.field], sc.ranges[cs.field]
	if not proto.prefs.check_checksum then
		item:add(cs.status, r, 2):set_generated()
		return
	end
	local from, to = span(cs.from, off, body_end), span(cs.to, off, body_end)
	local got, want = sc.vals[cs.field], crc32(st.tvb, from, to - from, cs.poly)
	local status = 1
	if got ~= want then status = 0 end
	item:add(cs.status, r, status):set_generated()
	if status == 0 then
		raise(st, item, EX.bad_checksum, string.format("bad checksum: 0x%08x, computed 0x%08x", got, want))
	end
end

-- dissect_frame shows the frame at off, of which avail bytes are there: all
-- of it, or less if it is cut short or cannot be trusted. It returns the
-- frame's summary.
local function dissect_frame(tvb, tree, off, avail)
	local st, sc, sum = { tvb = tvb, raised = {} }, scope(), { fields = {} }
	local root = tree:add(proto, tvb(off, avail))
	local _, err = fields(st, FRAME.fields, root, off, off + avail, sc)
	local n
	if err ~= nil then
		raise(st, root, EX.malformed, string.format("truncated: the header takes %d bytes, %d captured", FRAME.header, avail))
	else
		n = frame_len(st, sc)
	end
	if n ~= nil then
		local typ = sc.vals[FRAME.type]
		if FRAME.id ~= nil then sum.id = "id=" .. fmt(sc.vals[FRAME.id]) end
		local body_len = n - FRAME.header - FRAME.trailer
		local body, body_end = off + FRAME.header, off + math.min(FRAME.header + body_len, avail)
		local m = MESSAGES[FRAME.bodies[num(typ)]]
		if m ~= nil then
			sum.name = m.name
			local item = root:add(m.hf, tvb(body, body_end - body))
			local pos, err2 = fields(st, m.fields, item, body, body_end, scope(), sum)
			if err2 ~= nil then
				raise(st, item, EX.malformed, err2)
			elseif pos ~= body_end then
				raise(st, item, EX.malformed, string.format("%d bytes left after %s", body_end - pos, m.name))
			end
		else
			sum.name = "type=" .. fmt(typ)
			local item = root:add(FRAME.body, tvb(body, body_end - body))
			raise(st, item, EX.unknown_type, string.format("type %s is no message's", fmt(typ)))
		end
		if n > avail then
			raise(st, root, EX.malformed, string.format("truncated: the frame takes %d bytes, %d captured", n, avail))
		else
			fields(st, FRAME.trailer_fields, root, body_end, off + n, sc)
			if FRAME.checksum ~= nil then checksum(st, FRAME.checksum, off, body_end, sc) end
		end
	end
	local words = {}
	for _, w in ipairs({ sum.name, sum.id }) do words[#words + 1] = w end
	for _, w in ipairs(sum.fields) do words[#words + 1] = w end
	local flags = {}
	for _, f in ipairs(FLAGS) do
		if st.raised[f[1]] then flags[#flags + 1] = f[2] end
	end
	if #flags > 0 then words[#words + 1] = "[" .. table.concat(flags, ", ") .. "]" end
	local text = table.concat(words, " ")
	root:append_text(", " .. text)
	return text
end

-- Frames on a stream or in a datagram: as many as there are, each shown
-- once all of it is there; TCP reassembles frames cut across segments.
function proto.dissector(tvb, pinfo, tree)
	local len, off = tvb:len(), 0
	pinfo.cols.protocol:set(FRAME.name)
	while off < len do
		local n, bad = peek(tvb, off)
		if bad or n == nil or off + n > len then
			if not bad and pinfo.can_desegment > 0 then
				pinfo.desegment_offset = off
				if n == nil then
					pinfo.desegment_len = DESEGMENT_ONE_MORE_SEGMENT
				else
					pinfo.desegment_len = off + n - len
				end
				return len
			end
			n = len - off -- the rest, reported as cut short or not to be trusted
		end
		local text = dissect_frame(tvb, tree, off, n)
		local key = "wirekit." .. proto.name
		if pinfo.private[key] == nil then
			pinfo.cols.info:set(text)
			pinfo.private[key] = "1"
		else
			pinfo.cols.info:append(" | " .. text)
		end
		off = off + n
	end
	return off
end

-- Registration: on the ports the preferences name, and as a heuristic
-- dissector of TCP and UDP payloads that start with the magic bytes.
local registered = { tcp = 0, udp = 0 }
local function register_ports()
	for _, t in ipairs({ "tcp", "udp" }) do
		local port = proto.prefs[t .. "_port"]
		if port ~= registered[t] then
			local ports = DissectorTable.get(t .. ".port")
			if registered[t] ~= 0 then ports:remove(registered[t], proto) end
			if port ~= 0 then ports:add(port, proto) end
			registered[t] = port
		end
	end
end
proto.prefs_changed = register_ports
register_ports()

if FRAME.magic ~= nil then
	local function heuristic(tvb, pinfo, tree)
		local m = FRAME.magic
		if tvb:len() < #m or tvb:raw(0, #m) ~= m then return false end
		pinfo.conversation = proto
		proto.dissector(tvb, pinfo, tree)
		return true
	end
	proto:register_heuristic("tcp", function(tvb, pinfo, tree)
		-- Wireshark calls a Lua heuristic dissector one call deeper than a
		-- port's, which leaves TCP's can_desegment spent: without this, a
		-- frame cut across the first segments would not be reassembled.
		-- TCP restores it after the call.
		pinfo.can_desegment = 2
		return heuristic(tvb, pinfo, tree)
	end)
	proto:register_heuristic("udp", heuristic)
end
