"""The encoder's forward pass as an ONNX graph without weights (built with the ``onnx`` package).

The graph is ``NumpyBert.pooled``: BERT with absolute positions, post-LayerNorm and exact GELU,
mean-pooled over the attention mask. Its initializers carry the standalone weights file's tensor
names and shapes but no data (they point at external data that does not exist), so the graph is a
few tens of KB and ``ipscan.encoder.ort_runtime`` hands the weights over at session creation.
Only standard operators (opset 20), so any ONNX Runtime build runs it.

With ``int8`` (``ipscan model quantize``, issue #18) each linear map is ONNX Runtime's dynamic
quantization (``ipscan.encoder.int8``): ``DynamicQuantizeLinear`` of its input (shared by maps
that read the same tensor), ``MatMulInteger`` with the int8 weights, then the two scales, in the
node pattern ``onnxruntime.quantization.quantize_dynamic`` writes, which ONNX Runtime fuses into
one kernel. Tensors whose ``dtypes`` say float16 (the embedding tables) are cast after reading;
a word table of int8 rows (``ipscan.encoder.int8.quantize_word_table``) is cast and each row
multiplied by its token's scale.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

OPSET = 20
_MASKED = -1e30  # added to the scores of padding keys, as the numpy runtime does


class _Graph:
    def __init__(self, helper: Any) -> None:
        self.helper = helper
        self.nodes: list[Any] = []
        self.consts: list[Any] = []
        self._n = 0

    def op(self, op_type: str, *inputs: str, **attrs: Any) -> str:
        self._n += 1
        out = f"{op_type.lower()}_{self._n}"
        self.nodes.append(self.helper.make_node(op_type, list(inputs), [out], **attrs))
        return out

    def multi(self, op_type: str, n_out: int, *inputs: str) -> list[str]:
        self._n += 1
        outs = [f"{op_type.lower()}_{self._n}_{i}" for i in range(n_out)]
        self.nodes.append(self.helper.make_node(op_type, list(inputs), outs))
        return outs

    def const(self, name: str, value: np.ndarray) -> str:
        from onnx import numpy_helper

        self.consts.append(numpy_helper.from_array(value, name))
        return name


def _weight_placeholder(name: str, shape: tuple[int, ...], dtype: Any = np.float32) -> Any:
    """An initializer with a name and shape whose data is supplied when the session is made."""
    from onnx import TensorProto
    from onnx import helper

    t = TensorProto()
    t.name = name
    t.data_type = helper.np_dtype_to_tensor_dtype(np.dtype(dtype))
    t.dims.extend(shape)
    t.data_location = TensorProto.EXTERNAL
    entry = t.external_data.add()
    entry.key, entry.value = "location", "supplied-by-ipscan"
    return t


def build_graph(
    shapes: Mapping[str, tuple[int, ...]],
    config: Mapping[str, Any],
    dtypes: Mapping[str, Any] | None = None,
    int8: bool = False,
    u8_weights: bool = False,
) -> bytes:
    """The serialized ONNX model for weights of these ``shapes`` (name -> shape) and ``dtypes``
    (name -> numpy dtype, float32 where not given); ``int8``: quantized linear maps;
    ``u8_weights``: their int8 weights handed over as uint8 plus 128 with a zero point of 128
    (``ipscan.encoder.int8.as_u8``), the same integer products computed by kernels that do not
    saturate on CPUs without VNNI."""
    from onnx import TensorProto
    from onnx import helper

    from ipscan.encoder.int8 import SCALE_SUFFIX
    from ipscan.encoder.int8 import U8_ZERO
    from ipscan.encoder.int8 import WORD_TABLE
    from ipscan.encoder.int8 import is_linear_weight

    types = {name: np.dtype((dtypes or {}).get(name, np.float32)) for name in shapes}
    if u8_weights:
        types.update({n: np.dtype(np.uint8) for n in shapes if is_linear_weight(n)})
    g = _Graph(helper)
    quantized: dict[str, list[str]] = {}  # a linear map's input -> its DynamicQuantizeLinear
    hidden = int(config["hidden_size"])
    heads = int(config["num_attention_heads"])
    eps = float(config.get("layer_norm_eps", 1e-12))
    head_dim = hidden // heads
    i64 = np.int64

    def ln(x: str, prefix: str) -> str:
        return g.op(
            "LayerNormalization",
            x,
            prefix + "LayerNorm.weight",
            prefix + "LayerNorm.bias",
            axis=-1,
            epsilon=eps,
        )

    def linear(x: str, name: str) -> str:
        w_t = g.op("Transpose", name + ".weight", perm=[1, 0])
        if not int8:
            return g.op("Add", g.op("MatMul", x, w_t), name + ".bias")
        if x not in quantized:
            quantized[x] = g.multi("DynamicQuantizeLinear", 3, x)
        x_q, x_scale, x_zero = quantized[x]
        out_dim = int(shapes[name + ".weight"][0])
        zero = np.full(out_dim, U8_ZERO, np.uint8) if u8_weights else np.zeros(out_dim, np.int8)
        w_zero = g.const(name + ".weight_zero_point", zero)
        scale = g.op("Mul", x_scale, name + ".weight" + SCALE_SUFFIX)
        product = g.op("MatMulInteger", x_q, w_t, x_zero, w_zero)
        y = g.op("Mul", g.op("Cast", product, to=TensorProto.FLOAT), scale)
        return g.op("Add", y, name + ".bias")

    def as_float(x: str, table: str) -> str:
        return x if types[table] == np.float32 else g.op("Cast", x, to=TensorProto.FLOAT)

    seq = g.op("Gather", g.op("Shape", "input_ids"), g.const("one", np.array(1, i64)), axis=0)
    seq1 = g.op("Unsqueeze", seq, g.const("axes0", np.array([0], i64)))
    pos_table = "embeddings.position_embeddings.weight"
    positions = g.op(
        "Slice",
        pos_table,
        g.const("zero1", np.array([0], i64)),
        seq1,
        g.const("axis0", np.array([0], i64)),
    )
    positions = as_float(positions, pos_table)
    x = as_float(g.op("Gather", WORD_TABLE, "input_ids", axis=0), WORD_TABLE)
    word_scale = WORD_TABLE + SCALE_SUFFIX
    if word_scale in shapes:  # int8 rows (``quantize_word_table``): each times its token's scale
        row_scale = g.op("Gather", word_scale, "input_ids", axis=0)
        x = g.op("Mul", x, g.op("Unsqueeze", row_scale, g.const("axes_last", np.array([-1], i64))))
    type_table = "embeddings.token_type_embeddings.weight"
    x = g.op("Add", g.op("Add", x, positions), as_float(type_table, type_table))
    x = ln(x, "embeddings.")
    maskf = g.op("Cast", "attention_mask", to=TensorProto.FLOAT)
    bias = g.op(
        "Mul",
        g.op("Sub", g.const("onef", np.array(1.0, np.float32)), maskf),
        g.const("masked", np.array(_MASKED, np.float32)),
    )
    bias = g.op("Unsqueeze", bias, g.const("axes12", np.array([1, 2], i64)))
    split_heads = g.const("split_heads", np.array([0, 0, heads, head_dim], i64))
    merge_heads = g.const("merge_heads", np.array([0, 0, hidden], i64))
    scale = g.const("scale", np.array(1.0 / math.sqrt(head_dim), np.float32))
    n_layers = int(config["num_hidden_layers"])
    for i in range(n_layers):
        p = f"encoder.layer.{i}."
        q = g.op("Reshape", linear(x, p + "attention.self.query"), split_heads)
        k = g.op("Reshape", linear(x, p + "attention.self.key"), split_heads)
        v = g.op("Reshape", linear(x, p + "attention.self.value"), split_heads)
        q = g.op("Transpose", q, perm=[0, 2, 1, 3])
        k = g.op("Transpose", k, perm=[0, 2, 3, 1])
        v = g.op("Transpose", v, perm=[0, 2, 1, 3])
        scores = g.op("Add", g.op("Mul", g.op("MatMul", q, k), scale), bias)
        ctx = g.op("MatMul", g.op("Softmax", scores, axis=-1), v)
        ctx = g.op("Reshape", g.op("Transpose", ctx, perm=[0, 2, 1, 3]), merge_heads)
        x = ln(g.op("Add", linear(ctx, p + "attention.output.dense"), x), p + "attention.output.")
        inter = g.op("Gelu", linear(x, p + "intermediate.dense"), approximate="none")
        x = ln(g.op("Add", linear(inter, p + "output.dense"), x), p + "output.")
    summed = g.op(
        "ReduceSum",
        g.op("Mul", x, g.op("Unsqueeze", maskf, g.const("axes2", np.array([2], i64)))),
        g.const("axes1", np.array([1], i64)),
        keepdims=0,
    )
    counts = g.op("ReduceSum", maskf, g.const("axes1b", np.array([1], i64)), keepdims=1)
    counts = g.op("Max", counts, g.const("tiny", np.array(1e-9, np.float32)))
    pooled = g.op("Div", summed, counts)
    g.nodes.append(helper.make_node("Identity", [pooled], ["pooled"]))
    used = {name for node in g.nodes for name in node.input}
    weights = [
        _weight_placeholder(n, tuple(s), types[n]) for n, s in sorted(shapes.items()) if n in used
    ]
    graph = helper.make_graph(
        g.nodes,
        "ipscan-encoder",
        [
            helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["batch", "seq"]),
            helper.make_tensor_value_info("attention_mask", TensorProto.INT64, ["batch", "seq"]),
        ],
        [helper.make_tensor_value_info("pooled", TensorProto.FLOAT, ["batch", hidden])],
        initializer=[*g.consts, *weights],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)])
    model.ir_version = 9
    # No onnx.checker here: it looks for the placeholders' external data. The export loads the
    # graph in ONNX Runtime and measures its embeddings instead.
    data: bytes = model.SerializeToString()
    return data
