// diffusers' Transformer2DModel with one BasicTransformerBlock: GroupNorm (ε 1e-6),
// projection in (1×1 conv or linear), self-attention, cross-attention to the text,
// a GEGLU feed-forward, projection out, and the residual around it all.
import StrataTensor

struct AttentionLayer {
    let q: Linear, k: Linear, v: Linear, out: Linear, heads: Int

    init(_ p: ParameterRegistry, _ name: String, dim: Int, contextDim: Int, heads: Int) throws {
        q = try Linear(p, name + ".to_q", dim, dim, bias: false)
        k = try Linear(p, name + ".to_k", contextDim, dim, bias: false)
        v = try Linear(p, name + ".to_v", contextDim, dim, bias: false)
        out = try Linear(p, name + ".to_out.0", dim, dim)
        self.heads = heads
    }

    /// x [B, N, dim], context [B, M, contextDim] (x itself for self-attention).
    func callAsFunction(_ x: Tensor, context: Tensor? = nil) -> Tensor {
        let ctx = context ?? x
        let b = x.shape[0], n = x.shape[1], dim = q.weight.shape[0], m = ctx.shape[1]
        func split(_ t: Tensor, _ len: Int) -> Tensor { t.reshaped([b, len, heads, dim / heads]).permuted([0, 2, 1, 3]) }
        let a = Tensor.attention(split(q(x), n), split(k(ctx), m), split(v(ctx), m))
        return out(a.permuted([0, 2, 1, 3]).reshaped([b, n, dim]))
    }
}

struct TransformerBlock {
    let norm1: LayerNorm, attn1: AttentionLayer, norm2: LayerNorm, attn2: AttentionLayer
    let norm3: LayerNorm, ffIn: Linear, ffOut: Linear

    init(_ p: ParameterRegistry, _ name: String, dim: Int, contextDim: Int, heads: Int) throws {
        norm1 = try LayerNorm(p, name + ".norm1", dim, eps: 1e-5)
        attn1 = try AttentionLayer(p, name + ".attn1", dim: dim, contextDim: dim, heads: heads)
        norm2 = try LayerNorm(p, name + ".norm2", dim, eps: 1e-5)
        attn2 = try AttentionLayer(p, name + ".attn2", dim: dim, contextDim: contextDim, heads: heads)
        norm3 = try LayerNorm(p, name + ".norm3", dim, eps: 1e-5)
        ffIn = try Linear(p, name + ".ff.net.0.proj", dim, dim * 8)
        ffOut = try Linear(p, name + ".ff.net.2", dim * 4, dim)
    }

    func callAsFunction(_ x: Tensor, context: Tensor) -> Tensor {
        var h = x + attn1(norm1(x))
        h = h + attn2(norm2(h), context: context)
        return h + ffOut(ffIn(norm3(h)).geglu())
    }
}

struct SpatialTransformer {
    let norm: GroupNorm, block: TransformerBlock
    let projInConv: Conv2d?, projOutConv: Conv2d?, projInLinear: Linear?, projOutLinear: Linear?

    init(_ p: ParameterRegistry, _ name: String, channels: Int, contextDim: Int, heads: Int, groups: Int, linearProjection: Bool) throws {
        norm = try GroupNorm(p, name + ".norm", channels, groups: groups, eps: 1e-6)
        if linearProjection {
            projInLinear = try Linear(p, name + ".proj_in", channels, channels)
            projOutLinear = try Linear(p, name + ".proj_out", channels, channels)
            projInConv = nil; projOutConv = nil
        } else {
            projInConv = try Conv2d(p, name + ".proj_in", channels, channels, kernel: 1)
            projOutConv = try Conv2d(p, name + ".proj_out", channels, channels, kernel: 1)
            projInLinear = nil; projOutLinear = nil
        }
        block = try TransformerBlock(p, name + ".transformer_blocks.0", dim: channels, contextDim: contextDim, heads: heads)
    }

    func callAsFunction(_ x: Tensor, context: Tensor) -> Tensor {
        let b = x.shape[0], c = x.shape[1], h = x.shape[2], w = x.shape[3]
        var t = norm(x)
        if let projInConv { t = projInConv(t) }
        t = t.reshaped([b, c, h * w]).permuted([0, 2, 1])
        if let projInLinear { t = projInLinear(t) }
        t = block(t, context: context)
        if let projOutLinear { t = projOutLinear(t) }
        t = t.permuted([0, 2, 1]).reshaped([b, c, h, w])
        if let projOutConv { t = projOutConv(t) }
        return t + x
    }
}
