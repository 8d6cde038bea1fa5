package netc.compiler.frontend;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import netc.compiler.NetCompiler;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Convolution and pooling layers report wrong inputs and arguments at their place, with the shapes involved. */
class ConvErrorsTest {
    private static String model(String line) {
        return "model M {\n  input img: float[batch, 3, 8, 8]\n  input seq: float[batch, 2, 10]\n  input flat: float[batch, 784]\n"
                + "  y = " + line + "\n}\n";
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            conv2d(flat, 4, kernel=3)                  | m.net:5:14: error: conv2d needs an input [batch, channels, height, width], got [batch, 784]; reshape a flat image first
            conv2d(seq, 4, kernel=3)                   | m.net:5:14: error: conv2d needs an input [batch, channels, height, width], got [batch, 2, 10]; use conv1d for sequences
            conv1d(img, 4, kernel=3)                   | m.net:5:14: error: conv1d needs an input [batch, channels, length], got [batch, 3, 8, 8]; use conv2d for images
            conv2d(img, 4)                             | m.net:5:7: error: conv2d needs argument 'kernel' (x, filters, kernel, stride, pad, dilation, bias, name)
            conv2d(img, 4, kernel=9)                   | m.net:5:7: error: conv2d: input [batch, 3, 8, 8] is too small for kernel [9, 9]: the output would be empty (height 8 after padding, kernel reach 9)
            conv2d(img, 4, kernel=3, dilation=[4, 1])  | m.net:5:7: error: conv2d: input [batch, 3, 8, 8] is too small for kernel [3, 3] with dilation [4, 1]: the output would be empty (height 8 after padding, kernel reach 9)
            conv1d(seq, 4, kernel=3, dilation=5)       | m.net:5:7: error: conv1d: input [batch, 2, 10] is too small for kernel [3] with dilation [5]: the output would be empty (length 10 after padding, kernel reach 11)
            conv2d(img, 4, kernel=[3])                 | m.net:5:22: error: conv2d: 'kernel' must be an integer or a list of 2 integers [height, width], got a list of 1
            conv2d(img, 4, kernel=3, stride=0)         | m.net:5:32: error: conv2d: 'stride' must be positive, got 0
            conv2d(img, 4, kernel=3, pad=-1)           | m.net:5:32: error: conv2d: 'pad' must be non-negative, got -1
            conv2d(img, 4, kernel=1.5)                 | m.net:5:22: error: conv2d: 'kernel' must be an integer or a list of 2 integers [height, width]
            conv2d(img, 0, kernel=3)                   | m.net:5:19: error: conv2d needs a positive number of filters, got 0
            conv2d(img, 4, kernel=3, padding=1)        | m.net:5:32: error: conv2d has no argument 'padding'
            maxpool(img, 9)                            | m.net:5:7: error: maxpool: window [9, 9] is larger than input [batch, 3, 8, 8]: the output would be empty
            avgpool(flat, 2)                           | m.net:5:15: error: avgpool needs an input [batch, channels, length] or [batch, channels, height, width], got [batch, 784]
            maxpool(img, [2, 2, 2])                    | m.net:5:20: error: maxpool: 'size' must be an integer or a list of 2 integers [height, width], got a list of 3
            maxpool(seq, 2, stride=[1, 1])             | m.net:5:23: error: maxpool: 'stride' must be an integer, got a list of 2
            """)
    void reportsTheProblemAtItsPlace(String call, String expected) {
        CompileError e = assertThrows(CompileError.class, () -> NetCompiler.parse("m.net", model(call)));
        assertTrue(e.getMessage().startsWith(expected), "expected\n  " + expected + "\ngot\n  " + e.getMessage());
    }
}
