/* test_responses_params.c - the OpenAI Responses request parser: input
 * items, instructions, tools, tool_choice, store, previous_response_id,
 * response ids, and each refusal's param. JSON is written with ' for ". */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/hub_error.h"
#include "fcgi/responses_params.h"
#include "tap.h"

static struct responses_params P;
static char ERR[512], PARAM[128];

/* Parse body (with ' for ") into P, freeing the last one; the return code. */
static int
parse(const char *body)
{
	char *b = strdup(body), *p;
	int rc;

	for (p = b; *p; p++)
		if (*p == '\'')
			*p = '"';
	responses_params_free(&P);
	rc = responses_params_parse(b, strlen(b), &P, ERR, sizeof(ERR), PARAM, sizeof(PARAM));
	free(b);
	return rc;
}

static void
refused(const char *body, const char *param, const char *name)
{
	is_int(parse(body), HUB_ERR_INVALID, "%s: refused", name);
	is_str(PARAM, param, "%s: param", name);
	ok(ERR[0] != '\0', "%s: with a message", name);
}

#define CALC "{'type':'function','name':'Calculator','description':'math'," \
	"'parameters':{'type':'object','properties':{'input':{'type':'string'}}},'strict':false}"
/* a PNG's first bytes, base64 */
#define PNG "iVBORw0KGgoAAAANSUhEUgAB"

static void
test_input(void)
{
	is_int(parse("{'model':'sonnet','input':'hello'}"), HUB_OK, "input as a string");
	is_int(P.chat.n_messages, 1, "one message");
	is_str(P.chat.messages[0].role, "user", "from the user");
	is_str(P.chat.messages[0].content, "hello", "its text");
	is_int(P.store, 1, "store defaults to true");
	ok(P.previous_response_id == NULL, "no previous response");

	is_int(parse("{'instructions':'Be brief.','input':[{'role':'user','content':'hi'}]}"), HUB_OK,
	    "instructions and an easy input message");
	is_int(P.chat.n_messages, 2, "two messages");
	is_str(P.chat.messages[0].role, "system", "instructions first, as system");
	is_str(P.chat.messages[0].content, "Be brief.", "their text");
	is_str(P.instructions, "Be brief.", "kept for the echo");

	is_int(parse("{'input':[{'type':'message','role':'developer','content':[{'type':'input_text','text':'rules'}]},"
	    "{'type':'message','role':'assistant','content':[{'type':'output_text','text':'a','annotations':[]},"
	    "{'type':'refusal','refusal':'b'}]},"
	    "{'type':'message','role':'user','content':[{'type':'input_text','text':'x'},{'type':'input_text','text':'y'},"
	    "{'type':'input_image','image_url':'data:image/png;base64," PNG "','detail':'auto'}]}]}"), HUB_OK,
	    "typed message items with parts and an image");
	is_str(P.chat.messages[0].role, "system", "developer is system");
	is_str(P.chat.messages[1].content, "a\nb", "output_text and refusal parts joined");
	is_str(P.chat.messages[2].content, "x\ny", "input_text parts joined");
	is_int(P.chat.messages[2].n_images, 1, "one image");
	is_str(P.chat.messages[2].images[0].media_type, "image/png", "a PNG");

	is_int(parse("{'input':[{'type':'reasoning','id':'rs_1','summary':[]},{'role':'user','content':'q'}]}"),
	    HUB_OK, "reasoning items are skipped");
	is_int(P.chat.n_messages, 1, "leaving one message");

	refused("{'input':[]}", "input", "an empty input");
	refused("{'input':3}", "input", "input a number");
	refused("{}", "input", "no input");
	refused("{'input':[{'role':'robot','content':'x'}]}", "input[0].role", "an unknown role");
	refused("{'input':[{'role':'user','content':7}]}", "input[0].content", "content a number");
	refused("{'input':[{'role':'user','content':[{'type':'input_file','file_id':'f'}]}]}",
	    "input[0].content[0]", "an input_file");
	refused("{'input':[{'role':'user','content':[{'type':'input_image','file_id':'f'}]}]}",
	    "input[0].content[0].image_url", "an image by file_id");
	refused("{'input':[{'role':'user','content':[{'type':'input_image','image_url':'https://x/y.png'}]}]}",
	    "input[0].content[0].image_url", "a remote image");
	refused("{'input':[{'role':'assistant','content':[{'type':'input_image','image_url':'data:image/png;base64,"
	    PNG "'}]},{'role':'user','content':'q'}]}", "input[0].content[0]", "an image from the assistant");
	refused("{'input':[{'type':'item_reference','id':'x'}]}", "input[0]", "an item reference");
	refused("{'input':[{'role':'user','content':'q'},{'role':'assistant','content':'a'}]}", "input",
	    "a conversation ending with the assistant");
	refused("{'input':['x']}", "input[0]", "an item that is no object");
}

static void
test_calls(void)
{
	is_int(parse("{'tools':[" CALC "],'input':[{'role':'user','content':'17*23?'},"
	    "{'type':'function_call','id':'fc_1','call_id':'call_1','name':'Calculator','arguments':'{\\'input\\': \\'17*23\\'}'},"
	    "{'type':'function_call','call_id':'call_2','name':'Calculator','arguments':''},"
	    "{'type':'function_call_output','call_id':'call_1','output':'391'},"
	    "{'type':'function_call_output','call_id':'call_2','output':[{'type':'input_text','text':'4'}]}]}"),
	    HUB_OK, "a full tool round as the Agents SDK sends it");
	is_int(P.chat.n_messages, 4, "user, assistant, two tool results");
	is_str(P.chat.messages[1].role, "assistant", "the calls' message");
	is_str(P.chat.messages[1].content, "", "without text");
	is_int(P.chat.messages[1].n_tool_calls, 2, "holding both calls");
	is_str(P.chat.messages[1].tool_calls[0].id, "call_1", "call_id is the call's id");
	is_str(P.chat.messages[1].tool_calls[0].arguments, "{\"input\":\"17*23\"}", "arguments compact");
	is_str(P.chat.messages[1].tool_calls[1].arguments, "{}", "empty arguments are {}");
	is_str(P.chat.messages[2].role, "tool", "a tool result");
	is_str(P.chat.messages[2].tool_call_id, "call_1", "answering call_1");
	is_str(P.chat.messages[2].content, "391", "its output");
	is_str(P.chat.messages[3].content, "4", "an output of text parts");

	is_int(parse("{'input':[{'role':'user','content':'q'},{'role':'assistant','content':'Let me see.'},"
	    "{'type':'function_call','call_id':'c','name':'f','arguments':'{}'},"
	    "{'type':'function_call_output','call_id':'c','output':'ok'}]}"), HUB_OK,
	    "a call after the assistant's text");
	is_int(P.chat.n_messages, 3, "joins that assistant message");
	is_str(P.chat.messages[1].content, "Let me see.", "which keeps its text");
	is_int(P.chat.messages[1].n_tool_calls, 1, "and gets the call");

	refused("{'input':[{'type':'function_call','name':'f','arguments':'{}'},"
	    "{'type':'function_call_output','call_id':'c','output':'x'}]}", "input[0].call_id", "a call without call_id");
	refused("{'input':[{'type':'function_call','call_id':'c','name':'bad name','arguments':'{}'},"
	    "{'type':'function_call_output','call_id':'c','output':'x'}]}", "input[0].name", "a bad function name");
	refused("{'input':[{'type':'function_call','call_id':'c','name':'f','arguments':'[1]'},"
	    "{'type':'function_call_output','call_id':'c','output':'x'}]}", "input[0].arguments",
	    "arguments that are no object");
	refused("{'input':[{'type':'function_call_output','output':'x'}]}", "input[0].call_id",
	    "an output without call_id");
}

static void
test_tools(void)
{
	is_int(parse("{'tools':[" CALC "],'tool_choice':'required','parallel_tool_calls':false,'input':'q'}"),
	    HUB_OK, "a function tool, required, no parallel calls");
	is_int(P.chat.n_tools, 1, "one tool");
	is_str(P.chat.tools[0].name, "Calculator", "its name");
	is_str(P.chat.tools[0].description, "math", "its description");
	ok(strstr(P.chat.tools[0].parameters, "\"input\"") != NULL, "its schema");
	is_int(P.chat.tool_choice, PROVIDER_TOOL_CHOICE_REQUIRED, "required");
	is_int(P.chat.parallel_tool_calls, 0, "parallel_tool_calls false");
	is_int(parse("{'tools':[" CALC "],'tool_choice':{'type':'function','name':'Calculator'},'input':'q'}"),
	    HUB_OK, "a named tool_choice");
	is_int(P.chat.tool_choice, PROVIDER_TOOL_CHOICE_NAMED, "named");
	is_str(P.chat.tool_choice_name, "Calculator", "by its name");
	is_int(parse("{'tools':[],'tool_choice':'none','input':'q'}"), HUB_OK, "none");
	is_int(P.chat.tool_choice, PROVIDER_TOOL_CHOICE_NONE, "is none");

	refused("{'tools':[{'type':'web_search_preview'}],'input':'q'}", "tools[0]", "a hosted tool");
	refused("{'tools':[{'type':'function','function':{'name':'f'}}],'input':'q'}", "tools[0].name",
	    "the Chat Completions tool shape");
	refused("{'tools':[" CALC "," CALC "],'input':'q'}", "tools[1].name", "a tool declared twice");
	refused("{'tools':[{'type':'function','name':'f','parameters':{'type':'string'}}],'input':'q'}",
	    "tools[0].parameters", "a schema that is no object schema");
	refused("{'tools':[" CALC "],'tool_choice':{'type':'function','name':'Other'},'input':'q'}",
	    "tool_choice", "a named tool that is not declared");
	refused("{'tool_choice':'required','input':'q'}", "tool_choice", "required without tools");
	refused("{'tool_choice':'sometimes','input':'q'}", "tool_choice", "an unknown tool_choice");
}

static void
test_options(void)
{
	is_int(parse("{'model':'gpt-4o','input':'q','temperature':0.2,'top_p':1,'max_output_tokens':100,"
	    "'metadata':{'a':'b'},'user':'u','truncation':'auto','text':{'format':{'type':'text'}},"
	    "'reasoning':{'effort':'low'},'include':[],'store':false,'previous_response_id':'resp_abc.2'}"),
	    HUB_OK, "the ignored options and the state fields");
	is_int(P.store, 0, "store false");
	is_str(P.previous_response_id, "resp_abc.2", "previous_response_id");
	is_str(P.chat.model, "gpt-4o", "the model");
	refused("{'input':'q','temperature':'hot'}", "temperature", "temperature a string");
	refused("{'input':'q','store':'yes'}", "store", "store a string");
	refused("{'input':'q','background':true}", "background", "background");
	is_int(parse("{'input':'q','conversation':'conv_1'}"), HUB_OK, "a conversation id");
	is_str(P.conversation, "conv_1", "names the session");
	is_int(parse("{'input':'q','conversation':{'id':'chat-42'}}"), HUB_OK, "a conversation object");
	is_str(P.conversation, "chat-42", "its id");
	refused("{'input':'q','conversation':'a b'}", "conversation", "a conversation id that is no session id");
	refused("{'input':'q','conversation':{}}", "conversation", "a conversation without id");
	refused("{'input':'q','conversation':'c','previous_response_id':'resp_c.2'}", "conversation",
	    "conversation with previous_response_id");
	refused("{'input':'q','prompt':{'id':'p'}}", "prompt", "a stored prompt");
	refused("{'input':'q','stream':'yes'}", "stream", "stream a string");
	refused("{'input':'q','previous_response_id':''}", "previous_response_id", "an empty previous_response_id");
	is_int(parse("not json"), HUB_ERR_INVALID, "a body that is not JSON");
	is_int(parse("[1]"), HUB_ERR_INVALID, "a body that is no object");
}

static void
test_ids(void)
{
	char out[300], sid[200];
	size_t n = 0;

	responses_params_id_format(out, sizeof(out), "Ab-_9", 12);
	is_str(out, "resp_Ab-_9.12", "an id names session and place");
	is_int(responses_params_id_parse(out, sid, sizeof(sid), &n), HUB_OK, "parses back");
	is_str(sid, "Ab-_9", "the session");
	is_int(n, 12, "the place");
	is_int(responses_params_id_parse("resp_a.b.3", sid, sizeof(sid), &n), HUB_ERR_INVALID, "a dot in the session");
	is_int(responses_params_id_parse("resp_abc", sid, sizeof(sid), &n), HUB_ERR_INVALID, "no place");
	is_int(responses_params_id_parse("resp_abc.0", sid, sizeof(sid), &n), HUB_ERR_INVALID, "place 0");
	is_int(responses_params_id_parse("resp_abc.x", sid, sizeof(sid), &n), HUB_ERR_INVALID, "a place that is no number");
	is_int(responses_params_id_parse("resp_.3", sid, sizeof(sid), &n), HUB_ERR_INVALID, "no session");
	is_int(responses_params_id_parse("msg_abc.3", sid, sizeof(sid), &n), HUB_ERR_INVALID, "not a response id");
	is_int(responses_params_id_parse("resp_abc.12345678", sid, sizeof(sid), &n), HUB_ERR_INVALID,
	    "a place too long");
}

int
main(void)
{
	memset(&P, 0, sizeof(P));
	test_input();
	test_calls();
	test_tools();
	test_options();
	test_ids();
	responses_params_free(&P);
	return tap_done();
}
