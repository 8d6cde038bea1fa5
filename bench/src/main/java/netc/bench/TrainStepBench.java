package netc.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import netc.compiler.NetCompiler;
import netc.runtime.Model;
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
 * One generated training step (forward, loss, backward, optimizer) of a model in models/ at batch 128, and one
 * single-sample prediction. Run from the repository root:
 * {@code java -jar bench/target/benchmarks.jar TrainStepBench -p model=fashion_mlp}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = "--add-modules=jdk.incubator.vector")
public class TrainStepBench {
    @Param({"fashion_mlp"})
    public String model;

    @Param({"1", "2"})
    public int threads;

    private Model train, predict;

    @Setup
    public void setup() throws Exception {
        Path file = Path.of("models", model + ".net");
        String text = Files.readString(file);
        Parallel.setThreads(threads);
        train = ready(NetCompiler.compile(file.toString(), text, "float").newModel(), 128);
        train.training = true;
        predict = ready(NetCompiler.compile(file.toString(), text, "float").newModel(), 1);
    }

    private static Model ready(Model m, int batch) {
        m.initParams(1);
        m.setBatch(batch);
        SplittableRandom r = new SplittableRandom(2);
        for (var in : m.inputs()) {
            Object buf = m.inputBuffer(in.name());
            if (buf instanceof int[] ib) for (int i = 0; i < batch * in.sampleSize(); i++) ib[i] = r.nextInt(2);
            else for (int i = 0; i < batch * in.sampleSize(); i++) ((float[]) buf)[i] = (float) r.nextDouble();
        }
        return m;
    }

    @Benchmark
    public double trainStep() {
        train.forwardOutputs();
        train.forwardLoss();
        train.updateBuffers();
        train.backward();
        train.step();
        return train.loss();
    }

    @Benchmark
    public Object predictOne() {
        predict.forwardOutputs();
        return predict.outputBuffer(predict.outputNames()[0]);
    }
}
