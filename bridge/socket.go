package bridge

import "net"

// mediaSocketBuffer is the receive and send buffer asked for the shared media
// socket. The kernel default (about 208 KiB) overflows when the bridge is
// descheduled for a few milliseconds under load: the load tool measured
// 10 000 datagrams dropped in a 10 s run with it. The kernel caps the value
// at net.core.rmem_max / wmem_max.
const mediaSocketBuffer = 4 << 20

// sizeSocketBuffers enlarges the media socket's buffers; a refusal only costs
// headroom, so it is logged by the caller and not fatal.
func sizeSocketBuffers(udp *net.UDPConn) error {
	if err := udp.SetReadBuffer(mediaSocketBuffer); err != nil {
		return err
	}
	return udp.SetWriteBuffer(mediaSocketBuffer)
}
