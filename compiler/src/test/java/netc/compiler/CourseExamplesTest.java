package netc.compiler;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import netc.runtime.Model;
import netc.runtime.Tensor;
import org.junit.jupiter.api.Test;

/** The worked examples of the course decks, written as the decks write them, give the decks' numbers. */
class CourseExamplesTest {
    static Model model(String text) {
        return NetCompiler.compile("course.net", text, "float").newModel();
    }

    @Test
    void softmaxOfTheDecksColumnVector() {
        // deck 000: [3.82, 5.35, 1.44, −1.26, 2.71, 1.98] → softmax, one column per sample
        Model m = model("""
                model Softmax {
                  input z: float[batch, 6]
                  output p = transpose(softmax(transpose(z), axis=0))
                }
                """);
        float[] z = {3.82f, 5.35f, 1.44f, -1.26f, 2.71f, 1.98f};
        float[] p = m.predict(Map.of("z", Tensor.of(new int[] {1, 6}, z))).get("p").floats();
        assertArrayEquals(new float[] {0.16115195f, 0.74422819f, 0.01491471f, 0.00100235f, 0.05310907f, 0.02559374f}, p, 5e-7f);
    }

    @Test
    void aFiveByFiveImageConvolvedWithAThreeByThreeFilter() {
        // the feature map of a 5×5 image and a 3×3 filter, stride 1, no padding (a cross-correlation, as conv2d)
        Model m = model("""
                model FeatureMap {
                  input image: float[batch, 1, 5, 5]
                  output map = conv2d(image, 1, kernel=3, bias=false, name="filter")
                }
                """);
        float[] image = {
                3, 3, 2, 1, 0,
                0, 0, 1, 3, 1,
                3, 1, 2, 2, 3,
                2, 0, 0, 2, 2,
                2, 0, 0, 0, 1};
        float[] filter = {
                0, 1, 2,
                2, 2, 0,
                0, 1, 2};
        m.loadState(Map.of("filter.weight", Tensor.of(new int[] {1, 1, 3, 3}, filter)), "the deck's filter");
        float[] map = m.predict(Map.of("image", Tensor.of(new int[] {1, 1, 5, 5}, image))).get("map").floats();
        assertArrayEquals(new float[] {12, 12, 17, 10, 17, 19, 9, 6, 14}, map, 0f);
    }

    @Test
    void aLayerAsTheDecksWriteIt() {
        // z = W x + b with a weight matrix and the samples as columns, then ŷ = softmax(z) down each column
        Model m = model("""
                model Layer {
                  input x: float[batch, 3]
                  param W: [2, 3]
                  param b: [2]
                  z = W @ transpose(x) + reshape(b, [2, 1])
                  output y = transpose(softmax(z, axis=0))
                }
                """);
        m.loadState(Map.of("W", Tensor.of(new int[] {2, 3}, new float[] {1, 0, -1, 0.5f, 2, 0}), "b", Tensor.of(new int[] {2}, new float[] {0, -1})),
                "the example's weights");
        float[] y = m.predict(Map.of("x", Tensor.of(new int[] {1, 3}, new float[] {2, 1, 1}))).get("y").floats();
        // z = [2 − 1 + 0, 1 + 2 − 1] = [1, 2]
        double e1 = Math.exp(1), e2 = Math.exp(2);
        assertArrayEquals(new float[] {(float) (e1 / (e1 + e2)), (float) (e2 / (e1 + e2))}, y, 1e-7f);
    }

    @Test
    void maxOverAnAxisSplitsItsGradientAtTiesAsTorchAmax() {
        Model m = model("""
                model Ties {
                  input x: float[batch, 4]
                  param w: [4] = ones
                  output top = max(x * w, axis=1)
                  loss = sum(max(x * w, axis=1))
                }
                """);
        Map<String, Tensor> got = m.predict(Map.of("x", Tensor.of(new int[] {2, 4}, new float[] {1, 3, 3, 2, -1, -5, -2, -1})));
        assertArrayEquals(new float[] {3, -1}, got.get("top").floats(), 0f);
        m.setInputs(Map.of("x", Tensor.of(new int[] {2, 4}, new float[] {1, 3, 3, 2, -1, -5, -2, -1})));
        m.forwardOutputs();
        m.forwardLoss();
        m.backward();
        // d/dw of Σ_rows max(x·w): x where x is the row's maximum, halved between the two tied elements of each row
        assertArrayEquals(new float[] {-0.5f, 1.5f, 1.5f, -0.5f}, (float[]) m.gradBuffer("w"), 0f);
    }

    @Test
    void slicesPadAndFlipAsNumpyAndPyTorch() {
        Model m = model("""
                model Shapes {
                  input x: float[batch, 5]
                  output back = x[:, ::-1]
                  output odd = x[:, 3::-2]
                  output padded = pad(x, [1, 2])
                  output flipped = flip(x, axis=1)
                }
                """);
        Map<String, Tensor> got = m.predict(Map.of("x", Tensor.of(new int[] {1, 5}, new float[] {1, 2, 3, 4, 5})));
        assertArrayEquals(new float[] {5, 4, 3, 2, 1}, got.get("back").floats(), 0f);
        assertArrayEquals(new float[] {4, 2}, got.get("odd").floats(), 0f);
        assertArrayEquals(new float[] {0, 1, 2, 3, 4, 5, 0, 0}, got.get("padded").floats(), 0f);
        assertArrayEquals(new float[] {5, 4, 3, 2, 1}, got.get("flipped").floats(), 0f);
    }

    @Test
    void integerArithmeticStaysInteger() {
        Model m = model("""
                model Labels {
                  input x: float[batch, 2]
                  input y: int[batch]              // labels 1..3, as a data set may number them
                  output hot = one_hot(y - 1, 3)
                  output twice = y * 2 + 1
                  output half = y / 2
                }
                """);
        netc.compiler.ir.Graph g = NetCompiler.parse("labels.net", """
                model Labels {
                  input y: int[batch]
                  output twice = y * 2 + 1
                  output half = y / 2
                  output shifted = y - 0.5
                  output far = y - 3000000000
                }
                """);
        assertEquals("i32[batch]", g.outputs().get("twice").type().toString());
        assertEquals("f32[batch]", g.outputs().get("half").type().toString(), "division is true division, as PyTorch's");
        assertEquals("f32[batch]", g.outputs().get("shifted").type().toString());
        assertEquals("f32[batch]", g.outputs().get("far").type().toString(), "a whole number beyond int's range is a float");
        Map<String, Tensor> got = m.predict(Map.of("x", Tensor.of(new int[] {3, 2}, new float[6]), "y", Tensor.ofInts(new int[] {3}, new int[] {1, 3, 2})));
        assertArrayEquals(new float[] {1, 0, 0, 0, 0, 1, 0, 1, 0}, got.get("hot").floats(), 0f);
        assertArrayEquals(new int[] {3, 7, 5}, got.get("twice").ints());
        assertArrayEquals(new float[] {0.5f, 1.5f, 1}, got.get("half").floats(), 0f);
    }

    @Test
    void theGradientOfAProductIsTheProductOfTheOthersZerosIncluded() {
        Model m = model("""
                model Prod {
                  input x: float[batch, 3]
                  param w: [3] = zeros
                  output p = prod(x + w, axis=1)
                  loss = sum(prod(x + w, axis=1))
                }
                """);
        Tensor x = Tensor.of(new int[] {3, 3}, new float[] {2, 0, 3, 0, 0, 3, 2, 4, 1});
        assertArrayEquals(new float[] {0, 0, 8}, m.predict(Map.of("x", x)).get("p").floats(), 0f);
        m.setInputs(Map.of("x", x));
        m.forwardOutputs();
        m.forwardLoss();
        m.backward();
        // rows [2, 0, 3]: [0, 6, 0]; [0, 0, 3]: two zeros, [0, 0, 0]; [2, 4, 1]: [4, 2, 8]
        assertArrayEquals(new float[] {4, 8, 8}, (float[]) m.gradBuffer("w"), 0f);
    }

    @Test
    void thePerceptronRuleOnAndAsTheDeckRunsIt(@org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp) throws Exception {
        // deck 003: ŷ = step(w·x + b) with step(0) = 1, w ← w + λ(y − ŷ)x and b ← b + λ(y − ŷ) per sample, λ = 0.1,
        // from zeros over (0,0), (0,1), (1,0), (1,1): one pass ends at w = [0.1, 0.1], b = 0.0
        java.nio.file.Path model = java.nio.file.Files.writeString(tmp.resolve("and.net"), """
                model AndPerceptron {
                  input x: float[batch, 2]
                  input t: float[batch, 1]
                  param w: [2, 1] = zeros
                  param b: [1] = zeros
                  z = x @ w + b
                  output y = step(z)
                  loss = perceptron(z, t)
                  train {
                    optimizer = sgd(lr=0.1)
                    batch = 1
                    epochs = 1
                    shuffle = false
                    data = "and"
                  }
                }
                """), weights = tmp.resolve("w.safetensors");
        Cli r = Cli.run("train", model, "--save", weights);
        assertEquals(0, r.status(), r.err());
        Map<String, Tensor> w = netc.runtime.io.Safetensors.read(weights);
        assertArrayEquals(new float[] {0.1f, 0.1f}, w.get("w").floats(), 1e-7f);
        assertArrayEquals(new float[] {0.0f}, w.get("b").floats(), 1e-7f);
    }
}
