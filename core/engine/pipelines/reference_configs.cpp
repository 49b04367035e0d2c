#include "engine/pipelines/reference_configs.h"

namespace archival::engine {
namespace {

// The config.json files of the public releases (runwayml/stable-diffusion-v1-5,
// stabilityai/stable-diffusion-3.5-large), for single-file checkpoints that carry none and
// for full-size benchmarks with random weights.
const char* kSd15Vae =
    R"({"in_channels":3,"out_channels":3,"down_block_types":["DownEncoderBlock2D","DownEncoderBlock2D","DownEncoderBlock2D","DownEncoderBlock2D"],"up_block_types":["UpDecoderBlock2D","UpDecoderBlock2D","UpDecoderBlock2D","UpDecoderBlock2D"],"block_out_channels":[128,256,512,512],"layers_per_block":2,"act_fn":"silu","latent_channels":4,"norm_num_groups":32,"sample_size":512,"scaling_factor":0.18215,"shift_factor":null,"latents_mean":null,"latents_std":null,"force_upcast":true,"use_quant_conv":true,"use_post_quant_conv":true,"mid_block_add_attention":true})";
const char* kSd3Vae =
    R"({"in_channels":3,"out_channels":3,"down_block_types":["DownEncoderBlock2D","DownEncoderBlock2D","DownEncoderBlock2D","DownEncoderBlock2D"],"up_block_types":["UpDecoderBlock2D","UpDecoderBlock2D","UpDecoderBlock2D","UpDecoderBlock2D"],"block_out_channels":[128,256,512,512],"layers_per_block":2,"act_fn":"silu","latent_channels":16,"norm_num_groups":32,"sample_size":1024,"scaling_factor":1.5305,"shift_factor":0.0609,"latents_mean":null,"latents_std":null,"force_upcast":true,"use_quant_conv":false,"use_post_quant_conv":false,"mid_block_add_attention":true})";
const char* kClipLWithProjection =
    R"({"architectures":["CLIPTextModelWithProjection"],"attention_dropout":0.0,"bos_token_id":0,"dropout":0.0,"eos_token_id":2,"hidden_act":"quick_gelu","hidden_size":768,"initializer_factor":1.0,"initializer_range":0.02,"intermediate_size":3072,"layer_norm_eps":1e-05,"max_position_embeddings":77,"model_type":"clip_text_model","num_attention_heads":12,"num_hidden_layers":12,"pad_token_id":1,"projection_dim":768,"vocab_size":49408})";
const char* kClipG =
    R"({"architectures":["CLIPTextModelWithProjection"],"attention_dropout":0.0,"bos_token_id":0,"dropout":0.0,"eos_token_id":2,"hidden_act":"gelu","hidden_size":1280,"initializer_factor":1.0,"initializer_range":0.02,"intermediate_size":5120,"layer_norm_eps":1e-05,"max_position_embeddings":77,"model_type":"clip_text_model","num_attention_heads":20,"num_hidden_layers":32,"pad_token_id":1,"projection_dim":1280,"vocab_size":49408})";
const char* kT5Xxl =
    R"({"architectures":["T5EncoderModel"],"classifier_dropout":0.0,"d_ff":10240,"d_kv":64,"d_model":4096,"decoder_start_token_id":0,"dense_act_fn":"gelu_new","dropout_rate":0.1,"eos_token_id":1,"feed_forward_proj":"gated-gelu","initializer_factor":1.0,"is_encoder_decoder":true,"is_gated_act":true,"layer_norm_epsilon":1e-06,"model_type":"t5","num_decoder_layers":24,"num_heads":64,"num_layers":24,"output_past":true,"pad_token_id":0,"relative_attention_max_distance":128,"relative_attention_num_buckets":32,"tie_word_embeddings":false,"use_cache":true,"vocab_size":32128})";
const char* kSd35LargeTransformer =
    R"({"sample_size":128,"patch_size":2,"in_channels":16,"num_layers":38,"attention_head_dim":64,"num_attention_heads":38,"joint_attention_dim":4096,"caption_projection_dim":2432,"pooled_projection_dim":2048,"out_channels":16,"pos_embed_max_size":192,"dual_attention_layers":[],"qk_norm":"rms_norm"})";
const char* kSd15Scheduler =
    R"({"_class_name":"PNDMScheduler","beta_end":0.012,"beta_schedule":"scaled_linear","beta_start":0.00085,"num_train_timesteps":1000,"set_alpha_to_one":false,"skip_prk_steps":true,"steps_offset":1,"trained_betas":null,"clip_sample":false})";
const char* kSd3Scheduler =
    R"({"_class_name":"FlowMatchEulerDiscreteScheduler","num_train_timesteps":1000,"shift":3.0})";

}  // namespace

nlohmann::json referenceConfig(ReferenceConfig which) {
    switch (which) {
        case ReferenceConfig::Sd15Vae:
            return nlohmann::json::parse(kSd15Vae);
        case ReferenceConfig::Sd3Vae:
            return nlohmann::json::parse(kSd3Vae);
        case ReferenceConfig::ClipLWithProjection:
            return nlohmann::json::parse(kClipLWithProjection);
        case ReferenceConfig::ClipG:
            return nlohmann::json::parse(kClipG);
        case ReferenceConfig::T5Xxl:
            return nlohmann::json::parse(kT5Xxl);
        case ReferenceConfig::Sd35LargeTransformer:
            return nlohmann::json::parse(kSd35LargeTransformer);
        case ReferenceConfig::Sd15Scheduler:
            return nlohmann::json::parse(kSd15Scheduler);
        case ReferenceConfig::Sd3Scheduler:
            return nlohmann::json::parse(kSd3Scheduler);
    }
    return {};
}

}  // namespace archival::engine
