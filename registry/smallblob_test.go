package registry

import "testing"

func TestBlobBudget(t *testing.T) {
	var b blobBudget
	if b.take(smallBlobSize+1) || b.take(-1) {
		t.Fatal("a blob past smallBlobSize, or of a negative size, was taken")
	}
	n := 0
	for b.take(smallBlobSize) {
		n++
	}
	if n != smallBlobBudget/smallBlobSize {
		t.Fatalf("%d blobs of the largest size held at once, want %d", n, smallBlobBudget/smallBlobSize)
	}
	if !b.take(0) || b.take(1) {
		t.Fatal("a spent budget took a byte")
	}
	b.give(smallBlobSize)
	if !b.take(smallBlobSize) {
		t.Fatal("bytes given back were not taken again")
	}
}
