package netc.spark;

import java.io.Closeable;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Function;

/**
 * Sums a float buffer over n workers connected in a ring, each sending to the next and receiving from the previous
 * over a TCP socket: a reduce-scatter (n − 1 rounds: chunk by chunk, each worker adds what it receives to its own)
 * then an all-gather (n − 1 rounds: the finished chunks passed on). Each worker sends and receives 2(n − 1)/n of the
 * buffer per call. Chunk c is summed in the ring's order starting after worker c — the same order on every call — and
 * every worker ends with the same bits, since the finished chunks are copied, not summed again.
 */
final class RingAllReduce implements Closeable {
    private final int rank, n;
    private final SocketChannel next, prev;
    private final ExecutorService sender;
    private ByteBuffer out, in;

    private RingAllReduce(int rank, int n, SocketChannel next, SocketChannel prev) {
        this.rank = rank;
        this.n = n;
        this.next = next;
        this.prev = prev;
        this.sender = n > 1 ? Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "netc-allreduce-send");
            t.setDaemon(true);
            return t;
        }) : null;
    }

    /**
     * Joins the ring of {@code n} workers: opens a server socket, tells the others its address through
     * {@code exchange} (every worker's address, in rank order: Spark's {@code BarrierTaskContext.allGather}), connects to
     * the next worker and accepts the previous one.
     */
    static RingAllReduce connect(int rank, int n, Function<String, String[]> exchange) throws IOException {
        if (n == 1) return new RingAllReduce(0, 1, null, null);
        try (ServerSocketChannel server = ServerSocketChannel.open()) {
            InetAddress host = InetAddress.getLocalHost();
            server.bind(new InetSocketAddress(host, 0));
            String[] all = exchange.apply(host.getHostAddress() + ":" + server.socket().getLocalPort());
            String[] to = all[(rank + 1) % n].split(":");
            SocketChannel next = SocketChannel.open(new InetSocketAddress(to[0], Integer.parseInt(to[1])));
            next.socket().setTcpNoDelay(true);
            SocketChannel prev = server.accept();
            prev.socket().setTcpNoDelay(true);
            return new RingAllReduce(rank, n, next, prev);
        }
    }

    /** Replaces {@code v} by the sum over the workers of their {@code v}, every worker calling with the same length. */
    void sum(float[] v) throws IOException {
        if (n == 1) return;
        int len = v.length;
        // reduce-scatter: in round r, send chunk (rank − r) and add the received chunk (rank − r − 1)
        for (int r = 0; r < n - 1; r++) {
            exchange(v, chunk(rank - r, len), chunk(rank - r - 1, len), true);
        }
        // all-gather: worker k holds chunk k + 1 finished; pass the finished chunks round
        for (int r = 0; r < n - 1; r++) {
            exchange(v, chunk(rank + 1 - r, len), chunk(rank - r, len), false);
        }
    }

    /** Chunk c's [from, to) of a buffer of len values (c taken modulo n). */
    private int[] chunk(int c, int len) {
        c = Math.floorMod(c, n);
        int per = (len + n - 1) / n;
        return new int[] {Math.min(len, c * per), Math.min(len, (c + 1) * per)};
    }

    /** Sends v[send) to the next worker while receiving the previous one's values for v[recv), added or copied. */
    private void exchange(float[] v, int[] send, int[] recv, boolean add) throws IOException {
        int sendBytes = 4 * (send[1] - send[0]), recvBytes = 4 * (recv[1] - recv[0]);
        if (out == null || out.capacity() < sendBytes) out = ByteBuffer.allocateDirect(Math.max(sendBytes, 4)).order(ByteOrder.LITTLE_ENDIAN);
        if (in == null || in.capacity() < recvBytes) in = ByteBuffer.allocateDirect(Math.max(recvBytes, 4)).order(ByteOrder.LITTLE_ENDIAN);
        out.clear();
        out.asFloatBuffer().put(v, send[0], send[1] - send[0]);
        out.limit(sendBytes);
        Future<?> sent = sender.submit(() -> {
            while (out.hasRemaining()) next.write(out);
            return null;
        });
        in.clear().limit(recvBytes);
        while (in.hasRemaining()) {
            if (prev.read(in) < 0) throw new IOException("worker " + Math.floorMod(rank - 1, n) + " closed its connection");
        }
        in.flip();
        FloatBuffer f = in.asFloatBuffer();
        if (add) {
            for (int i = recv[0]; i < recv[1]; i++) v[i] += f.get();
        } else {
            f.get(v, recv[0], recv[1] - recv[0]);
        }
        try {
            sent.get();
        } catch (java.util.concurrent.ExecutionException e) {
            throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    @Override
    public void close() throws IOException {
        if (sender != null) sender.shutdownNow();
        if (next != null) next.close();
        if (prev != null) prev.close();
    }
}
