"""MPNet's encoder written as an ONNX graph, from its weights (decision 0061).

``encoder_graph(weights, pad_id=...)`` gives the graph of ``MPNetModel`` as the transformers library computes it, for
inference: token and position embeddings, twelve layers of self-attention with the relative position bias shared by
all of them, and feed-forward layers with the exact (erf) GELU. It takes ``input_ids`` and ``attention_mask`` (int64,
batch by tokens, padded with ``pad_id``) and gives ``last_hidden_state``; pooling stays with the caller.
``weights`` maps the checkpoint's tensor names (``encoder.layer.0.attention.attn.q.weight``…) to float32 arrays.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = 17  # LayerNormalization is an operator from 17 on.
LAYERS = 12
HEADS = 12
HIDDEN = 768
LAYER_NORM_EPS = 1e-5
BUCKETS = 32
MAX_DISTANCE = 128
# The longest input the graph's position tables cover: the position embeddings have 514 rows, two of them before
# the first real position.
MAX_TOKENS = 512


def relative_buckets(length: int) -> np.ndarray:
    """The bucket of each (query, key) pair's distance, as ``MPNetEncoder.relative_position_bucket`` gives it:
    exact for distances under 8, logarithmic up to 128, one side of the diagonal in each half of the 32."""
    distance = np.arange(length)[None, :] - np.arange(length)[:, None]  # key - query
    n = -distance
    half = BUCKETS // 2
    ret = (n < 0).astype(np.int64) * half
    n = np.abs(n)
    exact = half // 2
    # Distance 0 never takes this branch; the floor of 1 only keeps the logarithm finite there.
    scaled = np.log(np.maximum(n, 1) / exact) / math.log(MAX_DISTANCE / exact) * (half - exact)
    large = np.minimum(exact + scaled.astype(np.int64), half - 1)
    return ret + np.where(n < exact, n, large)


class _Graph:
    """Nodes and initializers, named in order."""

    def __init__(self) -> None:
        self.nodes: list[onnx.NodeProto] = []
        self.initializers: list[onnx.TensorProto] = []
        self._count = 0

    def constant(self, name: str, value: np.ndarray) -> str:
        self.initializers.append(numpy_helper.from_array(value, name))
        return name

    def op(self, op_type: str, *inputs: str, **attributes: object) -> str:
        self._count += 1
        output = f"{op_type.lower()}_{self._count}"
        self.nodes.append(helper.make_node(op_type, list(inputs), [output], name=output, **attributes))
        return output

    def linear(self, x: str, weights: Mapping[str, np.ndarray], prefix: str) -> str:
        """``x @ W.T + b``: the weight is stored transposed, so that MatMul's second input is a constant the
        quantiser can take per output channel."""
        w = self.constant(f"{prefix}.weight_t", np.ascontiguousarray(weights[f"{prefix}.weight"].T))
        b = self.constant(f"{prefix}.bias", weights[f"{prefix}.bias"])
        return self.op("Add", self.op("MatMul", x, w), b)

    def layer_norm(self, x: str, weights: Mapping[str, np.ndarray], prefix: str) -> str:
        scale = self.constant(f"{prefix}.weight", weights[f"{prefix}.weight"])
        bias = self.constant(f"{prefix}.bias", weights[f"{prefix}.bias"])
        return self.op("LayerNormalization", x, scale, bias, axis=-1, epsilon=LAYER_NORM_EPS)


def encoder_graph(weights: Mapping[str, np.ndarray], *, pad_id: int) -> onnx.ModelProto:
    """The encoder as an ONNX model, its weights in float32, for token ids padded with ``pad_id`` (the tokenizer's,
    ``knowledge.embedding_model.PAD_ID``)."""
    g = _Graph()
    head = HIDDEN // HEADS
    g.constant("one", np.array(1, dtype=np.int64))
    g.constant("pad_id", np.array(pad_id, dtype=np.int64))
    g.constant("zero_one", np.array([0, 1], dtype=np.int64))
    g.constant("axis_1", np.array([1], dtype=np.int64))
    g.constant("axes_1_2", np.array([1, 2], dtype=np.int64))
    g.constant("heads_shape", np.array([0, 0, HEADS, head], dtype=np.int64))
    g.constant("hidden_shape", np.array([0, 0, HIDDEN], dtype=np.int64))
    g.constant("inv_sqrt_head", np.array(1 / math.sqrt(head), dtype=np.float32))
    g.constant("half", np.array(0.5, dtype=np.float32))
    g.constant("one_f", np.array(1.0, dtype=np.float32))
    g.constant("inv_sqrt2", np.array(1 / math.sqrt(2), dtype=np.float32))
    g.constant("masked", np.array(np.finfo(np.float32).min, dtype=np.float32))

    # Embeddings: the token's, plus its position's (pad_id + 1 for the first real token; padding gets pad_id).
    words = g.constant("embeddings.word_embeddings.weight", weights["embeddings.word_embeddings.weight"])
    places = g.constant("embeddings.position_embeddings.weight", weights["embeddings.position_embeddings.weight"])
    positions = g.op("Add", g.op("Mul", g.op("CumSum", "attention_mask", "axis_1"), "attention_mask"), "pad_id")
    x = g.op("Add", g.op("Gather", words, "input_ids"), g.op("Gather", places, positions))
    x = g.layer_norm(x, weights, "embeddings.LayerNorm")

    # The relative position bias, shared by every layer: the buckets of the first n by n distances, looked up.
    length = g.op("Gather", g.op("Shape", "input_ids"), "one", axis=0)
    ends = g.op("Concat", g.op("Unsqueeze", length, "axis_0"), g.op("Unsqueeze", length, "axis_0"), axis=0)
    g.constant("axis_0", np.array([0], dtype=np.int64))
    g.constant("starts_0_0", np.array([0, 0], dtype=np.int64))
    buckets = g.op("Slice", g.constant("buckets", relative_buckets(MAX_TOKENS)), "starts_0_0", ends, "zero_one")
    table = g.constant("encoder.relative_attention_bias.weight", weights["encoder.relative_attention_bias.weight"])
    bias = g.op("Unsqueeze", g.op("Transpose", g.op("Gather", table, buckets), perm=[2, 0, 1]), "axis_0")
    # Padding keys get the float32 minimum, as transformers' extended attention mask does.
    keep = g.op("Cast", g.op("Unsqueeze", "attention_mask", "axes_1_2"), to=TensorProto.FLOAT)
    bias = g.op("Add", bias, g.op("Mul", g.op("Sub", "one_f", keep), "masked"))

    for i in range(LAYERS):
        prefix = f"encoder.layer.{i}"

        def heads(t: str) -> str:
            return g.op("Transpose", g.op("Reshape", t, "heads_shape"), perm=[0, 2, 1, 3])

        q = heads(g.linear(x, weights, f"{prefix}.attention.attn.q"))
        k = heads(g.linear(x, weights, f"{prefix}.attention.attn.k"))
        v = heads(g.linear(x, weights, f"{prefix}.attention.attn.v"))
        scores = g.op("Mul", g.op("MatMul", q, g.op("Transpose", k, perm=[0, 1, 3, 2])), "inv_sqrt_head")
        probabilities = g.op("Softmax", g.op("Add", scores, bias), axis=-1)
        context = g.op("Transpose", g.op("MatMul", probabilities, v), perm=[0, 2, 1, 3])
        attended = g.linear(g.op("Reshape", context, "hidden_shape"), weights, f"{prefix}.attention.attn.o")
        x = g.layer_norm(g.op("Add", attended, x), weights, f"{prefix}.attention.LayerNorm")
        inner = g.linear(x, weights, f"{prefix}.intermediate.dense")
        gelu = g.op(
            "Mul", g.op("Mul", inner, "half"), g.op("Add", g.op("Erf", g.op("Mul", inner, "inv_sqrt2")), "one_f")
        )
        x = g.layer_norm(
            g.op("Add", g.linear(gelu, weights, f"{prefix}.output.dense"), x), weights, f"{prefix}.output.LayerNorm"
        )

    g.nodes.append(helper.make_node("Identity", [x], ["last_hidden_state"], name="output"))
    graph = helper.make_graph(
        g.nodes,
        "mpnet_encoder",
        [
            helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["batch", "tokens"]),
            helper.make_tensor_value_info("attention_mask", TensorProto.INT64, ["batch", "tokens"]),
        ],
        [helper.make_tensor_value_info("last_hidden_state", TensorProto.FLOAT, ["batch", "tokens", HIDDEN])],
        g.initializers,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="servicedesk")
    model.ir_version = 8
    return model
