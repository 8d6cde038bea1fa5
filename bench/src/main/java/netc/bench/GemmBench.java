package netc.bench;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import netc.runtime.kernels.Gemm;
import netc.runtime.kernels.Parallel;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The runtime's sgemm at the sizes of the reference figures (BENCHMARKS.md): 128×784×256 (an MLP layer at batch
 * 128) and 1024³, with the Vector API kernel ({@code vector=true}; the fork runs with
 * {@code --add-modules jdk.incubator.vector}) and with the plain loops ({@code vector=false}, i.e.
 * {@code -Dnetc.vector=false}). GFLOP/s = 2·m·n·k / time. Run:
 * {@code java -jar bench/target/benchmarks.jar GemmBench -p threads=1}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--add-modules=jdk.incubator.vector")
public class GemmBench {
    @Param({"128x784x256", "1024x1024x1024"})
    public String size;

    @Param({"NN", "NT", "TN"})
    public String trans;

    @Param({"1", "2"})
    public int threads;

    @Param({"true", "false"})
    public String vector;

    private int m, n, k;
    private float[] a, b, c;

    @Setup
    public void setup() {
        System.setProperty("netc.vector", vector); // read when Gemm loads: each fork measures one kernel
        String[] s = size.split("x");
        m = Integer.parseInt(s[0]);
        k = Integer.parseInt(s[1]);
        n = Integer.parseInt(s[2]);
        SplittableRandom r = new SplittableRandom(1);
        a = new float[m * k];
        b = new float[k * n];
        c = new float[m * n];
        for (int i = 0; i < a.length; i++) a[i] = (float) r.nextDouble();
        for (int i = 0; i < b.length; i++) b[i] = (float) r.nextDouble();
        Parallel.setThreads(threads);
        if (!Gemm.kernelName().equals(vector.equals("true") ? "vector" : "loops")) {
            throw new IllegalStateException("asked for vector=" + vector + ", got the " + Gemm.kernelName() + " kernel");
        }
    }

    @Benchmark
    public float[] sgemm() {
        Gemm.sgemm(trans.charAt(0) == 'T', trans.charAt(1) == 'T', m, n, k, a, 0, b, 0, c, 0, false);
        return c;
    }
}
