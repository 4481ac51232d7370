// Package captions turns photos into text captions by asking a vision-language model server.
//
// Two backends sit behind the Captioner interface, chosen by Config.Backend:
//
//   - "openai": any server that speaks the OpenAI chat-completions API with image parts
//     (vLLM, Ollama, the llama.cpp server, LM Studio): POST {URL}/v1/chat/completions with the
//     image as a base64 JPEG data URL; health is GET {URL}/v1/models.
//   - "vlmcaption": the vlmCaptionModels caption server: POST {URL}/caption with the image as
//     the multipart field "file"; health is GET {URL}/health.
//
// Every image is decoded (JPEG, PNG, WebP, GIF), turned upright by its EXIF orientation,
// scaled so its long edge is at most Config.MaxEdge and sent as JPEG. When the server answers
// that it ran out of GPU memory, the image is sent once more at Config.RetryEdge.
//
// Errors are *Error values: IsPermanent tells bad input and refusals (which no retry can fix)
// from a busy or absent server (which a later retry may fix), and RetryAfter returns the wait
// the server asked for. The package never imports a job queue; callers map the classes.
//
// When Config.MaxInflight is above zero, every caption request first takes a slot of a Redis
// Semaphore shared by all worker processes that use the same backend URL, so a whole fleet
// never has more than MaxInflight requests in flight to one VLM server. Slots are leased
// (30 s by default, refreshed while held), so a worker killed mid-request frees its slot
// when the lease ends, and handed out first come, first served across the fleet. Health
// checks take no slot: they do not load the GPU and must answer while captions run.
package captions
