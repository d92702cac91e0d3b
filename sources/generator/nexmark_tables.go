package generator

import (
	"math/bits"
	"strconv"
	"sync"
)

// The fixed word lists of the Nexmark model (SPEC §2).
var (
	usStates    = [...]string{"AZ", "CA", "ID", "OR", "WA", "WY"}
	usCities    = [...]string{"Phoenix", "Los Angeles", "San Francisco", "Boise", "Portland", "Bend", "Redmond", "Seattle", "Kent", "Cheyenne"}
	firstNames  = [...]string{"Peter", "Paul", "Luke", "John", "Saul", "Vicky", "Kate", "Julie", "Sarah", "Deiter", "Walter"}
	lastNames   = [...]string{"Shultz", "Abrams", "Spencer", "White", "Bartels", "Walton", "Smith", "Jones", "Noris"}
	hotChannels = [...]string{"Google", "Facebook", "Baidu", "Apple"}
)

// extraBufLen is the length of the random buffer extra fields are cut from.
const extraBufLen = 1 << 20

// strTable is a list of strings stored back to back in one buffer, so that
// builders copy from contiguous memory and Go strings share it.
type strTable struct {
	b   []byte
	s   string  // the same bytes as b
	off []int32 // entry i is b[off[i]:off[i+1]]
}

func newStrTable(ss []string) strTable {
	t := strTable{off: make([]int32, 0, len(ss)+1)}
	for _, s := range ss {
		t.off = append(t.off, int32(len(t.b)))
		t.b = append(t.b, s...)
	}
	t.off = append(t.off, int32(len(t.b)))
	t.s = string(t.b)
	return t
}

// str returns entry i as a string sharing the table's memory.
func (t *strTable) str(i int32) string { return t.s[t.off[i]:t.off[i+1]] }

// span returns where entry i lies in t.b.
func (t *strTable) span(i int32) span { return span{off: t.off[i], n: t.off[i+1] - t.off[i]} }

// nexmarkTables holds the static tables of SPEC §3.7 rules 2 and 3. They are
// built once per process and never change afterwards.
type nexmarkTables struct {
	// channel and url are indexed by channel slot: 0..3 the hot channels,
	// 4+c entry c of CHANNEL_URL_CACHE.
	channel, url strTable
	// extra is the 1 MiB buffer, in both forms.
	extra    []byte
	extraStr string
	// names holds "First Last" at first*len(lastNames)+last.
	names, cities, states strTable
}

// staticTables returns the shared tables, building them on first use.
var staticTables = sync.OnceValue(buildTables)

func buildTables() *nexmarkTables {
	t := &nexmarkTables{}
	r := newJavaRandom(0)
	n := len(hotChannels) + channelsNumber
	channels := make([]string, 0, n)
	urls := make([]string, 0, n)
	var scratch []byte
	for _, c := range hotChannels {
		scratch = appendBaseURL(scratch[:0], &r)
		channels = append(channels, c)
		urls = append(urls, string(scratch))
	}
	for i := range channelsNumber {
		scratch = appendBaseURL(scratch[:0], &r)
		if r.nextInt(10) > 0 {
			id := int32(bits.Reverse32(uint32(i)))
			if id < 0 {
				id = -id // Math.abs: MinInt32 stays negative, as in Java
			}
			scratch = append(scratch, "&channel_id="...)
			scratch = strconv.AppendInt(scratch, int64(id), 10)
		}
		channels = append(channels, "channel-"+strconv.Itoa(i))
		urls = append(urls, string(scratch))
	}
	t.channel = newStrTable(channels)
	t.url = newStrTable(urls)

	r = newJavaRandom(1)
	t.extra = make([]byte, extraBufLen)
	for j := range t.extra {
		t.extra[j] = byte('a' + r.nextInt(26))
	}
	t.extraStr = string(t.extra)

	var names []string
	for _, f := range firstNames {
		for _, l := range lastNames {
			names = append(names, f+" "+l)
		}
	}
	t.names = newStrTable(names)
	t.cities = newStrTable(usCities[:])
	t.states = newStrTable(usStates[:])
	return t
}

// appendBaseURL appends baseUrl(r) of SPEC §3.6.
func appendBaseURL(dst []byte, r *javaRandom) []byte {
	dst = append(dst, "https://www.nexmark.com/"...)
	dst = appendNextString(dst, r, 5, '_')
	dst = append(dst, '/')
	dst = appendNextString(dst, r, 5, '_')
	dst = append(dst, '/')
	dst = appendNextString(dst, r, 5, '_')
	return append(dst, "/item.htm?query=1"...)
}

// appendNextString appends nextString(r, maxLen, sp): 3 to maxLen-1 random
// lower-case letters and sp characters, then trimmed as Java's String.trim
// does (which only removes spaces here, since letters and '_' are above ' ').
func appendNextString(dst []byte, r *javaRandom, maxLen int32, sp byte) []byte {
	start := len(dst)
	n := 3 + r.nextInt(maxLen-3)
	for range n {
		if r.nextInt(13) == 0 {
			dst = append(dst, sp)
		} else {
			dst = append(dst, byte('a'+r.nextInt(26)))
		}
	}
	if sp > ' ' {
		return dst
	}
	end := len(dst)
	for end > start && dst[end-1] <= ' ' {
		end--
	}
	lead := start
	for lead < end && dst[lead] <= ' ' {
		lead++
	}
	if lead > start {
		copy(dst[start:], dst[lead:end])
		end -= lead - start
	}
	return dst[:end]
}

// nextExtra is SPEC §3.6 nextExtra: it returns where the extra field lies in
// the extra buffer (empty when currentSize > avg).
func nextExtra(r *javaRandom, currentSize, avg int64) span {
	if currentSize > avg {
		return span{}
	}
	avg -= currentSize
	delta := int64(float64(avg)*0.2 + 0.5) // Math.round of a non-negative value
	size := avg - delta
	if delta != 0 {
		size += int64(r.nextInt(int32(2 * delta)))
	}
	return span{off: r.nextInt(int32(extraBufLen - size)), n: int32(size)}
}
