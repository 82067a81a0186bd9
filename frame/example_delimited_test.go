package frame_test

import (
	"errors"
	"fmt"

	"github.com/wirekit/wirekit/frame"
)

// Lines end with "\n" or "\r\n"; a lone "\r" is data.
//
// Input:
//
//	+-------+------+----+----+----+--------+----+
//	| hello | \r\n | hi | \n | \n | a \r b | \r |
//	+-------+------+----+----+----+--------+----+
//
// Output: "hello", "hi", "", then "a\rb" waits: the last "\r" may begin
// "\r\n"
func ExampleLines() {
	in := []byte("hello\r\nhi\n\na\rb\r")
	for {
		fr, n, err := frame.Next(frame.Lines(), in)
		if n == 0 || err != nil {
			fmt.Printf("left: %q %v\n", in, err)
			return
		}
		fmt.Printf("%q\n", fr.Payload)
		in = in[n:]
	}
	// Output:
	// "hello"
	// "hi"
	// ""
	// left: "a\rb\r" <nil>
}

// Several delimiters: a frame ends where the first of them begins; when two
// begin at the same place, the longer wins.
//
// Input:
//
//	+-----+------+-----+----+---+---+---+----+
//	| one | \r\n | two | ;; | 3 | ; | 4 | ;; |
//	+-----+------+-----+----+---+---+---+----+
//
// Output (Delimiters "\r\n", ";;", ";"): "one", "two", "3", "4"
func ExampleNewDelimited() {
	f, err := frame.NewDelimited(frame.DelimitedConfig{
		Delimiters: [][]byte{[]byte("\r\n"), []byte(";;"), []byte(";")},
	})
	if err != nil {
		panic(err)
	}
	in := []byte("one\r\ntwo;;3;4;;")
	for {
		fr, n, _ := frame.Next(f, in)
		if n == 0 {
			break
		}
		fmt.Printf("%q ", fr.Payload)
		in = in[n:]
	}
	// Output: "one" "two" "3" "4"
}

// Max bounds the payload. By default an over-long frame is a fatal error,
// reported as soon as Max+1 bytes have arrived without a delimiter, at
// offset Max.
//
// Input:
//
//	+------+----+---------------
//	| abc  | \n | abcd ...
//	+------+----+---------------
//
// Output (Max 3): "abc", then TooLarge at offset 3 of the second frame
func ExampleDelimited_max() {
	f, _ := frame.NewDelimited(frame.DelimitedConfig{Max: 3})
	fr, n, _ := frame.Next(f, []byte("abc\nabcd"))
	fmt.Printf("%q\n", fr.Payload)
	_, _, err := frame.Next(f, []byte("abcd"))
	var fe *frame.Error
	errors.As(err, &fe)
	fmt.Println(n, err, fe.Fatal)
	// Output:
	// "abc"
	// 4 frame: frame too large at offset 3: no delimiter in the first 4 bytes true
}

// With Discard, an over-long frame is dropped through its delimiter and the
// stream goes on. When the delimiter has not arrived yet, the error says to
// resync: drop Skip bytes, then hand what follows to Resync until it finds
// the frame's end.
//
// Input, in two reads:
//
//	+-------------------+    +-------------+----+-----+----+
//	| way too long a li |    | ne of text  | \n | ok  | \n |
//	+-------------------+    +-------------+----+-----+----+
//
// Output (Max 8, Discard): a non-fatal TooLarge, then "ok"
func ExampleDelimited_discard() {
	f, _ := frame.NewDelimited(frame.DelimitedConfig{Max: 8, Discard: true})

	_, _, err := frame.Next(f, []byte("way too long a li"))
	var fe *frame.Error
	errors.As(err, &fe)
	fmt.Println(fe.Fatal, fe.Skip, fe.Resync)

	next := []byte("ne of text\nok\n")
	n, done := f.Resync(next)
	fmt.Println(n, done)

	fr, _, _ := frame.Next(f, next[n:])
	fmt.Printf("%q\n", fr.Payload)
	// Output:
	// false 17 true
	// 11 true
	// "ok"
}

// Writing: Finish appends the first delimiter ("\n" for lines), and refuses
// a body that a reader would split differently.
func ExampleDelimited_writing() {
	out, err := frame.Append(frame.Lines(), nil, frame.Meta{}, []byte("hello"))
	fmt.Printf("%q %v\n", out, err)
	_, err = frame.Append(frame.Lines(), nil, frame.Meta{}, []byte("two\nlines"))
	fmt.Println(err)
	_, err = frame.Append(frame.Lines(), nil, frame.Meta{}, []byte("ends in \r"))
	fmt.Println(err)
	// Output:
	// "hello\n" <nil>
	// frame: bad body at offset 3: a delimiter begins inside the body
	// frame: bad body at offset 8: a delimiter begins inside the body
}
