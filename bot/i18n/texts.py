"""Fixed interface strings of the assistant in Chinese and English."""
from __future__ import annotations

from bot.language.normalize import TRADITIONAL, to_traditional


def list_separator(lang: str) -> str:
    """Between the items of a list in running text: 、 in Chinese, a comma in English."""
    return ", " if lang == "en" else "、"


TEXTS: dict[str, dict[str, str]] = {
    "fallback": {
        "zh": "抱歉，这个问题不在我能回答的知识产权范围内，我也不会猜测作答。"
        "我能解答的是：商标、专利、版权和软件著作权、地理标志、知识产权质押融资、专利开放许可、"
        "知识产权保险、维权和南平的扶持政策，以及这些事去哪里办。"
        "您可以从下面的主题中选择，或回复「转人工」把问题留给人工服务专员。",
        "en": "Sorry, that is outside the IP questions I can answer, and I will not guess. "
        "I cover trademarks, patents, copyright and software registration, geographical indications, "
        "IP-backed loans, patent open licensing, IP insurance, enforcement and Nanping's support "
        "policies, and where to handle them. "
        "Pick a topic below, or reply \"human\" to leave the question for one of our IP advisers.",
    },
    "clarify": {
        "zh": "您想问的是以下哪一个？",
        "en": "Which of these do you mean?",
    },
    "empty": {
        "zh": "请直接输入您的知识产权问题，例如「商标注册要多久」。",
        "en": "Please type your IP question, for example \"how long does trademark registration take\".",
    },
    "topic_menu": {
        "zh": "请选择您关心的问题：",
        "en": "Choose a question:",
    },
    "handoff_unavailable": {
        "zh": "已记录您的问题：{question}\n这里没有专员值班；要专员答复，请在企业微信或 Telegram 中回复「转人工」。",
        "en": "Your question is recorded: {question}\nNone of our IP advisers is on duty here; to have one answer, "
        "reply \"human\" in WeCom or Telegram.",
    },
    "handoff_nothing": {
        "zh": "请先输入您想问专员的问题，再回复「转人工」。",
        "en": "Please type the question for our IP advisers first, then reply \"human\".",
    },
    "basis": {
        "zh": "依据：{source} · 核对于{reviewed}",
        "en": "Basis: {source} · checked {reviewed}",
    },
    "follow_ups": {
        "zh": "您可能还想问：",
        "en": "You may also ask:",
    },
    "handoff_choice": {
        "zh": "留给专员",
        "en": "Ask our IP advisers",
    },
    "handoff_choice_none": {
        "zh": "都不是，留给专员",
        "en": "None of these: ask our IP advisers",
    },
    # ---- channels: welcome, privacy, firm profile, commands (Telegram issue; WeCom reuses them) ----
    "welcome": {
        "zh": "您好，我是知创助手，解答南平企业的商标、专利、质押融资等知识产权问题。直接输入问题，或从下面的主题开始。",
        "en": "Hello, I am 知创助手 and answer Nanping firms' questions on trademarks, patents, IP pledge loans "
        "and more. Type your question, or start from a topic below.",
    },
    "welcome_typed": {
        "zh": "您好，我是知创助手，解答南平企业的商标、专利、质押融资等知识产权问题。直接输入问题，或发送 /topics 查看主题。",
        "en": "Hello, I am 知创助手 and answer Nanping firms' questions on trademarks, patents, IP pledge loans "
        "and more. Type your question, or send /topics to see the topics.",
    },
    "privacy": {
        "zh": "🔒 我们只保存企业的县区、行业、语言、通知与订阅设置，以及不含姓名的匿名问答记录（用于统计），保存到您删除为止。\n"
        "发送 /forget 可随时删除您的资料，并断开过往记录与您的关联。",
        "en": "🔒 We keep only your firm's county, industry, language, notice and subscription settings, and "
        "anonymous question records without names (for statistics), until you delete them.\n"
        "Send /forget at any time to delete your data and unlink past records from you.",
    },
    "not_legal_advice": {
        "zh": "ℹ️ 本助手提供一般性指引，不构成法律意见；具体事项请咨询人工服务专员或律师。",
        "en": "ℹ️ This is general guidance, not legal advice; for your case ask one of our IP advisers "
        "or a lawyer.",
    },
    "ask_county": {
        "zh": "为了给您更贴切的信息，请选择企业所在的县（市、区）。可以跳过，之后用 /profile 修改。",
        "en": "To tailor the information, which county is your firm in? You can skip this and change it "
        "later with /profile.",
    },
    "ask_industry": {
        "zh": "企业属于哪个行业？",
        "en": "Which industry is your firm in?",
    },
    "ask_notices": {
        "zh": "是否愿意接收知识产权服务通知（如续展提醒、政策与活动）？随时可用 /profile 更改。",
        "en": "Would you like IP service notices (renewal reminders, policies, events)? Change it any time "
        "with /profile.",
    },
    "profile_summary": {
        "zh": "企业资料：县区 {county} · 行业 {industry} · 服务通知 {notices}。用 /profile 修改。",
        "en": "Firm profile: county {county} · industry {industry} · service notices {notices}. "
        "Change it with /profile.",
    },
    "profile_none": {
        "zh": "还没有企业资料，请先发送 /start。",
        "en": "There is no firm profile yet; send /start first.",
    },
    "city": {"zh": "南平市（市本级）", "en": "Nanping (city level)"},
    "not_set": {"zh": "未填写", "en": "not set"},
    "skip": {"zh": "跳过", "en": "Skip"},
    "notices_yes": {"zh": "接收", "en": "Yes, please"},
    "notices_no": {"zh": "不接收", "en": "No, thanks"},
    "help": {
        "zh": "直接输入问题即可，例如「商标注册要多久」；回复「转人工」可把问题留给人工服务专员，"
        "专员答复后发送「回复专员 内容」可以继续问，/close 结束。\n"
        "/topics 主题菜单\n/station 查找服务站点（也可以直接发送位置）\n/profile 企业资料（县区、行业、服务通知）\n"
        "/lang 切换语言 zh / en\n"
        "/subscribe 订阅提醒主题\n/unsubscribe 取消订阅\n/deadline 登记商标续展、专利年费、质押贷款到期提醒\n"
        "/mydeadlines 我的期限提醒\n/forget 删除我的资料",
        "en": "Just type your question, e.g. \"how long does trademark registration take\"; reply "
        "\"human\" to leave it for one of our IP advisers; after their answer, \"reply to specialist <text>\" asks "
        "more and /close ends it.\n/topics topic menu\n"
        "/station find a service station (or just send your location)\n"
        "/profile firm profile (county, industry, notices)\n/lang language zh / en\n"
        "/subscribe reminder topics\n/unsubscribe stop reminders\n"
        "/deadline trademark renewal, patent fee or pledge loan reminders\n/mydeadlines my deadline reminders\n"
        "/forget delete my data",
    },
    "help_specialist": {
        "zh": "专员命令：/stats 今日与本周统计（/stats all 含内部流量）· /gaps 知识缺口 · /reload 重新加载知识库 · "
        "/broadcast 群发通知 · /reminders 待发群发 · /cancel_reminder 编号 取消群发\n"
        "转人工工单：/tickets 待处理 · /claim 编号 认领 · /reply 编号 内容 答复（Telegram 中也可直接回复工单消息）"
        " · /close 编号 关闭 · /draft 编号 写成知识草稿",
        "en": "Specialist commands: /stats today's and this week's figures (/stats all with internal "
        "traffic) · /gaps knowledge gaps · /reload reload the knowledge base · /broadcast send a notice · /reminders what is "
        "scheduled · /cancel_reminder id cancel one\nHandoff tickets: /tickets to handle · /claim N · "
        "/reply N text (in Telegram, or reply to the ticket message) · /close N · /draft N knowledge draft",
    },
    "choose_topic": {"zh": "请选择主题：", "en": "Choose a topic:"},
    "choose_language": {"zh": "请选择语言 / Choose a language:", "en": "请选择语言 / Choose a language:"},
    "language_set": {"zh": "已切换为中文。", "en": "Language set to English."},
    "subscribe_choose": {
        "zh": "请选择要订阅提醒的主题（提醒将按主题推送，可随时 /unsubscribe）：",
        "en": "Pick the topics you want reminders about (sent by topic; /unsubscribe any time):",
    },
    "unsubscribe_choose": {"zh": "请选择要取消订阅的主题：", "en": "Pick the topics to unsubscribe from:"},
    "subscriptions": {"zh": "已订阅：{topics}", "en": "Subscribed: {topics}"},
    "subscriptions_none": {"zh": "目前没有订阅任何主题。", "en": "No topics subscribed."},
    "subscribed_all": {"zh": "所有主题都已订阅。", "en": "You are subscribed to every topic."},
    "forget_confirm": {
        "zh": "确定删除您的企业资料、订阅和提醒，并断开过往问答记录与您的关联吗？此操作不可撤销。",
        "en": "Delete your firm profile, subscriptions and reminders, and unlink past questions from you? "
        "This cannot be undone.",
    },
    "forget_yes": {"zh": "确认删除", "en": "Delete"},
    "forget_no": {"zh": "取消", "en": "Cancel"},
    "forget_done": {
        "zh": "已删除。过往记录只保留不指向您的统计数字。需要时可再发送 /start。",
        "en": "Deleted. Past records keep only counts that do not point to you. Send /start to begin again.",
    },
    "forget_cancelled": {"zh": "已取消，没有删除任何资料。", "en": "Cancelled; nothing was deleted."},
    "feedback_thanks": {"zh": "谢谢您的反馈！", "en": "Thank you for the feedback!"},
    "media_unsupported": {
        "zh": "我目前只能阅读文字消息。请用文字输入您的问题，例如「商标注册要多久」。",
        "en": "I can only read text messages. Please type your question, e.g. "
        "\"how much does a trademark cost\".",
    },
    "unknown_command": {"zh": "没有这个命令，发送 /help 查看可用命令。", "en": "Unknown command; send /help."},
    "feedback_not_yours": {
        "zh": "只有提问的人可以评价这个回答。", "en": "Only the person who asked can rate this answer.",
    },
    "wecom_working": {"zh": "处理中…结果稍后发给您。", "en": "Working on it… the result follows shortly."},
    "private_only": {"zh": "请在与我的私聊中使用这个命令。", "en": "Please use this command in a private chat with me."},
    "flood": {
        "zh": "您发送得太快了，请 {seconds} 秒后再提问。",
        "en": "You are sending messages too fast; please wait {seconds} seconds.",
    },
    "error": {
        "zh": "抱歉，处理您的消息时出错了，请稍后再试。",
        "en": "Sorry, something went wrong with your message. Please try again later.",
    },
    "not_allowed": {"zh": "抱歉，这个命令仅限人工服务专员使用。", "en": "Sorry, this command is for our IP advisers only."},
    "stats_today": {"zh": "今日", "en": "Today"},
    "stats_week": {"zh": "本周", "en": "This week"},
    "stats_public": {
        "zh": "不含专员与内部测试流量（/stats all 包含）。",
        "en": "Specialist and internal test traffic left out (/stats all includes it).",
    },
    "stats_all": {"zh": "含专员与内部测试流量。", "en": "Specialist and internal test traffic included."},
    "none": {"zh": "无", "en": "none"},
    "stats_topics": {"zh": "按主题：{topics}", "en": "By topic: {topics}"},
    "reload_ok": {
        "zh": "知识库已重新加载：{entries} 条问答、{facts} 项数据。",
        "en": "Knowledge base reloaded: {entries} entries, {facts} facts.",
    },
    "reload_refused": {
        "zh": "知识库有 {count} 个错误，已拒绝加载，继续使用当前版本：",
        "en": "The knowledge base has {count} error(s); refused, the running one is kept:",
    },
    "cmd_start": {"zh": "开始 · 主题菜单", "en": "Start · topic menu"},
    "cmd_help": {"zh": "使用帮助", "en": "Help"},
    "cmd_topics": {"zh": "主题菜单", "en": "Topic menu"},
    "cmd_station": {"zh": "查找服务站点", "en": "Find a service station"},
    "cmd_profile": {"zh": "企业资料", "en": "Firm profile"},
    "cmd_lang": {"zh": "切换语言 zh / en", "en": "Language zh / en"},
    "cmd_subscribe": {"zh": "订阅提醒主题", "en": "Subscribe to reminder topics"},
    "cmd_unsubscribe": {"zh": "取消订阅", "en": "Unsubscribe"},
    "cmd_forget": {"zh": "删除我的资料", "en": "Delete my data"},
    "cmd_stats": {"zh": "专员：使用统计", "en": "Specialist: usage figures"},
    "cmd_gaps": {"zh": "专员：知识缺口", "en": "Specialist: knowledge gaps"},
    "cmd_reload": {"zh": "专员：重新加载知识库", "en": "Specialist: reload knowledge"},
    "cmd_tickets": {"zh": "专员：待处理的转人工工单", "en": "Specialist: tickets to handle"},
    "cmd_claim": {"zh": "专员：认领工单 /claim 编号", "en": "Specialist: claim a ticket /claim N"},
    "cmd_reply": {"zh": "专员：答复企业 /reply 编号 内容", "en": "Specialist: answer /reply N text"},
    "cmd_close": {"zh": "关闭工单 /close 编号", "en": "Close a ticket /close N"},
    "cmd_draft": {"zh": "专员：把答复写成知识草稿 /draft 编号", "en": "Specialist: knowledge draft /draft N"},
    # Specialist commands (bot/specialist_commands.py), the same on every channel.
    "more_problems": {
        "zh": "……另有 {count} 处（运行 python run_bot.py kb check 查看全部）",
        "en": "… and {count} more (run python run_bot.py kb check for all)",
    },
    # Text channels without buttons (WeCom): numbered choices and +/- feedback.
    "reply_number": {
        "zh": "回复 {numbers} 选择",
        "en": "Reply {numbers} to choose",
    },
    "rate_answer": {
        "zh": "回复「+」或「-」评价这个回答",
        "en": "Reply + or - to rate this answer",
    },
    "reply_number_skip": {
        "zh": "回复 {numbers} 选择，回复 0 跳过",
        "en": "Reply {numbers} to choose, 0 to skip",
    },
    "profile_invite": {
        "zh": "发送 /profile 可填写企业所在县区、行业和是否接收服务通知（均可跳过），以便推荐本地站点。",
        "en": "Send /profile to give your firm's county, industry and whether you want service notices "
        "(each can be skipped), for local stations.",
    },
    "unknown_topic": {
        "zh": "没有“{word}”这个主题。",
        "en": "There is no topic \"{word}\".",
    },
    "kf_subscribe_note": {
        "zh": "提示：微信客服只能在您最后一次发消息后 48 小时内发送最多 5 条消息；超出时，提醒会在您下次发消息时送达。",
        "en": "Note: WeChat customer service can send at most 5 messages within 48 hours of your last message; "
        "reminders beyond that reach you when you next write.",
    },
    "kf_county_known": {
        "zh": "已按您扫码的服务站记下所在县区：{county}（发送 /profile 可修改）。",
        "en": "Your county is noted from the station's QR code: {county} (change it with /profile).",
    },
    "text_only": {
        "zh": "目前只能回答文字问题，请用文字输入您的问题，例如「商标注册要多久」。",
        "en": "I can only answer text for now; please type your question, for example \"how long does trademark registration take\".",
    },
    "error_reply": {
        "zh": "抱歉，系统暂时出错，请稍后再试。",
        "en": "Sorry, something went wrong on our side; please try again later.",
    },
    # ---- human handoff: tickets (bot/handoff/desk.py, handlers/*/tickets.py) ----
    "ticket_opened": {
        "zh": "已转给人工服务专员（工单 #{id}）。问题：{question}\n{when}\n专员只看到您的问题和县区，看不到您的账号信息。",
        "en": "Passed to one of our IP advisers (ticket #{id}). Question: {question}\n{when}\nOur IP advisers see only "
        "your question and county, not your account.",
    },
    "question_in_context": {"zh": "{question}（上文：{context}）", "en": "{question} (after: {context})"},
    "ticket_recorded_unstaffed": {
        "zh": "已记录您的问题（工单 #{id}）：{question}\n目前没有人工服务专员值班，问题暂时无法转给专员；"
        "它已留存，供知识产权主管部门了解企业需求，如有专员接手，会在这里答复您。",
        "en": "Your question is recorded (ticket #{id}): {question}\nNone of our IP advisers is on duty now, so it cannot "
        "be passed to one; it is kept for the IP authority to see what firms need, and if an adviser takes it "
        "up, the answer will come here.",
    },
    "ticket_when_open": {
        "zh": "专员接手后会在这里答复您，通常在 {minutes} 分钟内。",
        "en": "One of our IP advisers will answer here, usually within {minutes} minutes.",
    },
    "ticket_when_closed": {
        "zh": "现在是非工作时间（专员工作时间：{hours}，北京时间），专员将在 {opening} 上班后尽快答复您。",
        "en": "We are outside office hours (our IP advisers work {hours}, Beijing time); expect an answer after "
        "{opening}.",
    },
    "office_hours": {"zh": "{days} {start}–{end}", "en": "{days} {start}–{end}"},
    "weekday_range": {"zh": "{first}至{last}", "en": "{first}–{last}"},
    "opening_time": {"zh": "{month}月{day}日（{weekday}）{time}", "en": "{weekday} {date}, {time}"},
    "ticket_new": {"zh": "🆕 转人工工单 #{id}", "en": "🆕 Handoff ticket #{id}"},
    "ticket_overdue": {
        "zh": "⏰ 工单 #{id} 已等待 {minutes} 分钟无人认领，现同时通知市级专员。",
        "en": "⏰ Ticket #{id} has waited {minutes} minutes unclaimed; the city pool is now told too.",
    },
    "ticket_card": {
        "zh": "县区：{county}\n问题：{question}\n机器人的猜测：{guesses}",
        "en": "County: {county}\nQuestion: {question}\nThe bot's guesses: {guesses}",
    },
    "ticket_guess": {"zh": "{title}（{topic} · {score}分）", "en": "{title} ({topic} · {score})"},
    "ticket_thread_firm": {"zh": "企业补充：{text}", "en": "The firm adds: {text}"},
    "ticket_claimed_you": {"zh": "✅ 您已认领工单 #{id}", "en": "✅ You claimed ticket #{id}"},
    "ticket_claimed_other": {
        "zh": "工单 #{id} 已由其他专员认领。",
        "en": "Ticket #{id} is already claimed by another specialist.",
    },
    "ticket_taken": {
        "zh": "工单 #{id} 已由其他专员认领，无需处理。",
        "en": "Ticket #{id} was claimed by another specialist; nothing to do.",
    },
    "ticket_withdrawn": {"zh": "工单 #{id} 已关闭，无需处理。", "en": "Ticket #{id} was closed; nothing to do."},
    "ticket_follow_up": {"zh": "💬 企业追问（工单 #{id}）：\n{body}", "en": "💬 The firm asks more (ticket #{id}):\n{body}"},
    "ticket_closed_by_firm": {
        "zh": "✅ 企业已关闭工单 #{id}（问题已解决）。好的答复可以用 /draft {id} 整理为知识草稿。",
        "en": "✅ The firm closed ticket #{id} (resolved). Turn a good answer into a knowledge draft with /draft {id}.",
    },
    "ticket_unreachable": {
        "zh": "⚠️ 工单 #{id} 的消息无法送达企业（对方已屏蔽机器人或不在应用可见范围内）。",
        "en": "⚠️ A message of ticket #{id} could not reach the firm (it blocked the bot or is out of reach).",
    },
    "ticket_waiting": {
        "zh": "⏳ 工单 #{id} 的答复已记录，但企业的微信客服会话暂时不能接收（企业最后一次发消息后 48 小时内最多 5 条，"
        "或会话由人工客服接待中）；企业下次发消息时自动送达。",
        "en": "⏳ The answer to ticket #{id} is kept: the firm's WeChat customer-service session cannot take it now "
        "(at most 5 messages within 48 hours of the firm's last message, or a human servicer holds the session); "
        "it goes out when the firm next writes.",
    },
    "ticket_claimed_firm": {
        "zh": "👩‍💼 人工服务专员已接手您的问题（工单 #{id}），答复会发到这里。",
        "en": "👩‍💼 One of our IP advisers has taken your question (ticket #{id}); the answer will come here.",
    },
    "ticket_answer": {
        "zh": "💬 人工服务专员答复（工单 #{id}）：\n{body}",
        "en": "💬 Our IP adviser answers (ticket #{id}):\n{body}",
    },
    "ticket_closed_by_staff": {
        "zh": "工单 #{id} 已由专员关闭。还有问题可以直接提问，或回复「转人工」。",
        "en": "Our IP adviser closed ticket #{id}. Ask anything else here, or reply \"human\".",
    },
    "ticket_hint_offer_telegram": {
        "zh": "点「认领」接手；认领后直接回复（reply）本消息即可答复企业。",
        "en": "Press \"Claim\" to take it; then reply to this message to answer the firm.",
    },
    "ticket_hint_offer_wecom": {
        "zh": "发送「/claim {id}」认领；认领后发送「/reply {id} 答复内容」答复企业。",
        "en": "Send /claim {id} to take it; then /reply {id} your answer.",
    },
    "ticket_hint_escalated_telegram": {
        "zh": "点「认领」接手；认领后直接回复（reply）本消息即可答复企业。",
        "en": "Press \"Claim\" to take it; then reply to this message to answer the firm.",
    },
    "ticket_hint_escalated_wecom": {
        "zh": "发送「/claim {id}」认领；认领后发送「/reply {id} 答复内容」答复企业。",
        "en": "Send /claim {id} to take it; then /reply {id} your answer.",
    },
    "ticket_hint_claimer_telegram": {
        "zh": "直接回复（reply）本消息即可答复企业（企业看不到您的账号）；/close {id} 关闭；/draft {id} 把答复整理为知识草稿。",
        "en": "Reply to this message to answer the firm (it does not see your account); /close {id} closes; "
        "/draft {id} turns the answer into a knowledge draft.",
    },
    "ticket_hint_claimer_wecom": {
        "zh": "用 /reply {id} 答复内容 答复企业（企业看不到您的账号）；/close {id} 关闭；/draft {id} 把答复整理为知识草稿。",
        "en": "Answer with /reply {id} your answer (the firm does not see your account); /close {id} closes; "
        "/draft {id} turns the answer into a knowledge draft.",
    },
    "ticket_hint_follow_up_telegram": {"zh": "直接回复（reply）本消息即可答复。", "en": "Reply to this message to answer."},
    "ticket_hint_follow_up_wecom": {"zh": "用 /reply {id} 答复内容 答复。", "en": "Answer with /reply {id} your answer."},
    "ticket_hint_answer_telegram": {
        "zh": "回复（reply）本消息可以继续问专员；问题解决后请点「已解决」。",
        "en": "Reply to this message to ask our IP adviser more; press \"Resolved\" when you are done.",
    },
    "ticket_hint_answer_wecom": {
        "zh": "发送「回复专员 您的内容」可以继续问专员；问题解决后发送「/close {id}」。",
        "en": "Send \"reply to specialist <your text>\" to ask more; send /close {id} when you are done.",
    },
    "ticket_hint_answer_wecom_kf": {
        "zh": "发送「回复专员 您的内容」可以继续问专员；问题解决后发送「/close {id}」。",
        "en": "Send \"reply to specialist <your text>\" to ask more; send /close {id} when you are done.",
    },
    "ticket_claim_button": {"zh": "认领", "en": "Claim"},
    "ticket_close_button": {"zh": "关闭工单", "en": "Close ticket"},
    "ticket_resolved_button": {"zh": "✅ 已解决", "en": "✅ Resolved"},
    "ticket_not_found": {"zh": "没有工单 #{id}。", "en": "There is no ticket #{id}."},
    "ticket_closed_already": {"zh": "工单 #{id} 已关闭。", "en": "Ticket #{id} is closed."},
    "ticket_usage": {
        "zh": "用法：/claim 编号 · /reply 编号 答复内容 · /close 编号 · /draft 编号 · /tickets",
        "en": "Usage: /claim N · /reply N your answer · /close N · /draft N · /tickets",
    },
    "ticket_answer_sent": {"zh": "已把答复发给企业（工单 #{id}）。", "en": "Your answer was sent to the firm (ticket #{id})."},
    "ticket_answer_empty": {"zh": "答复内容不能为空：/reply {id} 答复内容", "en": "The answer is empty: /reply {id} your answer"},
    "ticket_closed_ok": {"zh": "工单 #{id} 已关闭。", "en": "Ticket #{id} is closed now."},
    "ticket_list": {"zh": "待处理的工单：", "en": "Tickets to handle:"},
    "ticket_list_line": {"zh": "#{id} · {status} · {county} · {question}", "en": "#{id} · {status} · {county} · {question}"},
    "ticket_list_none": {"zh": "目前没有待处理的工单。", "en": "No tickets to handle."},
    "ticket_status_open": {"zh": "待认领", "en": "unclaimed"},
    "ticket_status_claimed": {"zh": "已认领", "en": "claimed"},
    "ticket_status_answered": {"zh": "已答复", "en": "answered"},
    "ticket_status_closed": {"zh": "已关闭", "en": "closed"},
    "ticket_draft_written": {
        "zh": "已写成知识草稿 {path}。审核人补充问法、英文答复并核对数据后，移入 knowledge/faq/ 即可发布。",
        "en": "Knowledge draft written: {path}. A reviewer adds phrasings, the English answer and facts, then moves "
        "it into knowledge/faq/ to publish it.",
    },
    "ticket_draft_exists": {"zh": "草稿 {path} 已存在，请直接编辑。", "en": "The draft {path} exists already; edit it."},
    "ticket_draft_erased": {
        "zh": "工单 #{id} 的企业已删除自己的资料（/forget），问题和答复已随之抹去，不能写成草稿。",
        "en": "The firm of ticket #{id} deleted its data (/forget): the question and answers are erased, so "
        "there is nothing to draft from.",
    },
    "ticket_draft_no_answer": {
        "zh": "工单 #{id} 还没有专员答复，不能写成草稿。",
        "en": "Ticket #{id} has no specialist answer to draft from yet.",
    },
    "ticket_follow_up_sent": {"zh": "已转给专员（工单 #{id}）。", "en": "Passed to our IP adviser (ticket #{id})."},
    "ticket_follow_up_waiting": {
        "zh": "已补充到工单 #{id}，专员接手后会看到。",
        "en": "Added to ticket #{id}; our IP adviser will see it when they take it.",
    },
    "ticket_follow_up_empty": {
        "zh": "请在「回复专员」后面写上要告诉专员的内容。",
        "en": "Write what to tell the specialist after \"reply to specialist\".",
    },
    "ticket_none_active": {
        "zh": "您目前没有进行中的转人工工单。有问题可以直接提问，或回复「转人工」。",
        "en": "You have no open ticket with our IP advisers. Ask here, or reply \"human\".",
    },
    "ticket_closed_cannot_reply": {
        "zh": "工单 #{id} 已关闭。还有问题可以直接提问，或回复「转人工」。",
        "en": "Ticket #{id} is closed. Ask anything else here, or reply \"human\".",
    },
    "ticket_firm_closed": {"zh": "工单 #{id} 已关闭，谢谢！", "en": "Ticket #{id} is closed. Thank you!"},
    "ticket_offer_handoff": {
        "zh": "抱歉没能帮到您。需要的话，可以把问题留给人工服务专员。",
        "en": "Sorry that did not help. You can leave the question for one of our IP advisers.",
    },
    # ---- service stations (bot/stations/directory.py, bot/stations/referrals.py) ----
    "where_choice": {
        "zh": "去哪里办？",
        "en": "Where do I go?",
    },
    "where_question": {
        "zh": "{subject}：去哪里办？{county}",
        "en": "{subject}: where do I go?{county}",
    },
    "county_paren": {
        "zh": "（{county}）",
        "en": " ({county})",
    },
    "stations_intro": {
        "zh": "{place}办理{subject}事项，可以找：",
        "en": "For {subject}{place}, you can go to:",
    },
    "stations_any_subject": {
        "zh": "知识产权",
        "en": "IP",
    },
    "stations_place": {
        "zh": "在{county}",
        "en": " in {county}",
    },
    "stations_nearest": {
        "zh": "离您最近的站点：",
        "en": "The stations nearest to you:",
    },
    "station_header": {
        "zh": "· {name}（{type}）",
        "en": "· {name} ({type})",
    },
    "station_header_plain": {
        "zh": "· {name}",
        "en": "· {name}",
    },
    "station_reason": {
        "zh": "  推荐理由：{reason}",
        "en": "  Why: {reason}",
    },
    "station_contact": {
        "zh": "  {label}：{value}",
        "en": "  {label}: {value}",
    },
    "label_address": {"zh": "地址", "en": "Address"},
    "label_phone": {"zh": "电话", "en": "Phone"},
    "label_hours": {"zh": "办公时间", "en": "Hours"},
    "label_contact": {"zh": "地址、电话、办公时间", "en": "Address, phone, hours"},
    "not_published": {
        "zh": "尚未公布",
        "en": "not published yet",
    },
    "stations_contact_note": {
        "zh": "部分联系方式尚未公布，可先向{handlers}咨询；也可以选择「留给专员」，由人工服务专员答复您。",
        "en": "Some contact details are not published yet: ask {handlers}, or choose \"Ask our IP advisers\" "
        "to leave the question for one of our IP advisers.",
    },
    "stations_sample_note": {
        "zh": "（以上为示例目录，站点名称与信息待市场监管部门核实后替换。）",
        "en": "(Sample directory: these entries are placeholders until the market-regulation bureau confirms them.)",
    },
    "stations_county_hint": {
        "zh": "告诉我您所在的县（市、区），例如「我在邵武，商标去哪办」，我可以推荐本地的站点。",
        "en": "Tell me your county (e.g. \"I am in Shaowu, where do I register a trademark\") for local stations.",
    },
    "stations_none": {
        "zh": "目录中暂时没有合适的站点。您可以选择「留给专员」，由人工服务专员答复您。",
        "en": "The directory has no suitable station yet. Choose \"Ask our IP advisers\" to leave the question "
        "for one of our IP advisers.",
    },
    "stations_none_located": {
        "zh": "目录中的站点还没有位置信息，暂时无法按距离推荐。请告诉我您所在的县（市、区），例如「邵武」。",
        "en": "No station in the directory has a map position yet, so I cannot rank by distance. "
        "Tell me your county instead, e.g. \"Shaowu\".",
    },
    "stations_bad_location": {
        "zh": "这个位置无法识别，请重新发送位置，或告诉我您所在的县（市、区）。",
        "en": "That location could not be read. Send it again, or tell me your county.",
    },
    "ask_station_topic": {
        "zh": "您要办理哪方面的事项？选择主题，我来推荐服务站点：",
        "en": "What is it about? Pick a topic and I will suggest stations:",
    },
    "station_any_topic": {"zh": "不限 / 其他", "en": "Any / other"},
    "ask_station_county": {
        "zh": "企业在哪个县（市、区）？我会优先推荐本地站点。可以跳过。",
        "en": "Which county is your firm in? Local stations come first. You can skip this.",
    },
    "ask_station_location": {
        "zh": "也可以直接发送位置，按距离推荐。",
        "en": "Or send your location to rank stations by distance.",
    },
    "stations_by_profile_county": {
        "zh": "目录中的站点还没有位置信息，先按您资料中的县区（{county}）推荐：",
        "en": "No station in the directory has a map position yet, so here are those for your profile's "
        "county ({county}):",
    },
    "reason_topic": {
        "zh": "办理{topic}事项",
        "en": "handles {topic}",
    },
    "reason_same_county": {
        "zh": "位于{county}，与您同县（市、区）",
        "en": "in {county}, your county",
    },
    "reason_city_level": {
        "zh": "面向全市企业（市级或以上机构）",
        "en": "serves firms across Nanping (city-level or above)",
    },
    "reason_fallback": {
        "zh": "没有更合适的站点，由市级主管部门受理",
        "en": "no closer station of that kind: the city bureau handles it",
    },
    "reason_park": {
        "zh": "在您所在的{park}",
        "en": "in your park, {park}",
    },
    "reason_industry": {
        "zh": "服务{industry}企业",
        "en": "serves {industry} firms",
    },
    "reason_distance": {
        "zh": "距您约{km}公里",
        "en": "about {km} km from you",
    },
    # /stats and /gaps (bot/metrics/report.py formats them; a satisfaction figure always carries its response rate)
    "stats_summary": {
        "zh": "📊 {start} 至 {end}\n提问 {questions}：已回答 {answer}，需澄清 {clarify}（其中 {resolved} 个经选择解决），"
        "未能回答 {fallback}\n满意度：{satisfaction}\n转介 {referrals} · 活跃企业 {firms} · 新订阅 {subscribers}",
        "en": "📊 {start} to {end}\nQuestions {questions}: answered {answer}, clarified {clarify} "
        "({resolved} resolved by a choice), fallback {fallback}\nSatisfaction: {satisfaction}\n"
        "Referrals {referrals} · active firms {firms} · new subscribers {subscribers}",
    },
    "stats_satisfaction": {
        "zh": "👍 {up} · 👎 {down}，满意 {approval}（评价率 {rate}：{answers} 个回答中 {rated} 个有评价）",
        "en": "👍 {up} · 👎 {down}, {approval} approval "
        "({rate} response rate: {rated} of {answers} answers rated)",
    },
    "stats_unrated": {
        "zh": "暂无评价（{answers} 个回答中 0 个有评价）",
        "en": "no ratings yet (0 of {answers} answers rated)",
    },
    "stats_empty": {
        "zh": "📊 {start} 至 {end}：本期间没有提问或转介记录。",
        "en": "📊 {start} to {end}: no questions or referrals in this period.",
    },
    "not_available": {
        "zh": "暂无",
        "en": "n/a",
    },
    "gaps_title": {
        "zh": "知识缺口（{start} 至 {end}，未能回答和被👎最多的问题）：",
        "en": "Knowledge gaps ({start} to {end}: the questions most often unanswered or rated 👎):",
    },
    "gaps_tickets": {"zh": " → 转人工工单 {tickets}", "en": " → tickets {tickets}"},
    "stats_tickets": {
        "zh": "转人工工单 {tickets}：已答复 {answered} · 已关闭 {closed} · 超时升级 {escalated} · 首次答复中位 {first}",
        "en": "Handoff tickets {tickets}: answered {answered} · closed {closed} · escalated {escalated} · "
        "median first response {first}",
    },
    "minutes": {"zh": "{n} 分钟", "en": "{n} min"},
    "gaps_line": {
        "zh": "{rank}. {example} — {count} 次（未能回答 {fallback}，👎 {down}）{variants}",
        "en": "{rank}. {example} — {count} times (fallback {fallback}, 👎 {down}){variants}",
    },
    "gaps_variants": {
        "zh": "，另有 {n} 种相近问法",
        "en": ", {n} similar phrasings",
    },
    "gaps_none": {
        "zh": "{start} 至 {end} 没有未能回答或被👎的问题。",
        "en": "No unanswered or 👎 questions from {start} to {end}.",
    },
    # ---- reminders and broadcasts (bot/delivery/outbox.py, bot/delivery/dispatch.py, bot/reach/broadcasts.py, bot/reach/deadlines.py) ----
    "footer_unsubscribe": {"zh": "退订：/unsubscribe", "en": "unsubscribe: /unsubscribe"},
    "footer_deadlines": {"zh": "管理我的期限提醒：/mydeadlines", "en": "manage my deadline reminders: /mydeadlines"},
    "report": {
        "zh": "📬 群发 #{id} 投递报告：送达 {delivered} · 失败 {failed} · 已屏蔽 {blocked} · 待发 {pending}",
        "en": "📬 Broadcast #{id} delivery report: delivered {delivered} · failed {failed} · blocked {blocked} · "
        "pending {pending}",
    },
    "report_waiting": {
        "zh": "其中 {count} 条等待微信客服会话重新开放（企业下次发消息时送达）。",
        "en": "{count} of them wait for the firm's WeChat customer-service session to reopen (sent when it next "
        "writes).",
    },
    "report_repeated": {
        "zh": "其中 {count} 条在发送中断时正在发送，已重发，对方可能收到两次。",
        "en": "{count} of them were in flight when the sender stopped and were sent again; they may have "
        "arrived twice.",
    },
    # firms' deadlines (bot/reach/deadlines.py): {label} is dl_label or empty
    "dl_label": {"zh": "（{label}）", "en": " ({label})"},
    "dl_tm_window": {
        "zh": "⏰ 商标续展提醒{label}：注册商标有效期至 {due}，续展期已经开放（期满前{window}个月起）。请在 {due} 前办理续展；"
        "期满未续展的还有{grace}个月宽展期（至 {grace_end}）。",
        "en": "⏰ Trademark renewal{label}: the registration runs until {due} and the renewal window is now open "
        "({window} months before expiry). Renew before {due}; after that a {grace}-month grace period runs "
        "until {grace_end}.",
    },
    "dl_tm_before": {
        "zh": "⏰ 商标续展提醒{label}：注册商标将于 {due} 到期（约还有{months}），请尽早办理续展。",
        "en": "⏰ Trademark renewal{label}: the registration expires on {due} (about {months} left); "
        "please renew soon.",
    },
    "dl_tm_grace": {
        "zh": "⚠️ 商标已到期{label}：有效期已于 {due} 届满，现处于{grace}个月宽展期。请在 {grace_end} 前办理续展，"
        "宽展期满仍未续展的，注册商标将被注销。",
        "en": "⚠️ Trademark expired{label}: the registration ended on {due}; the {grace}-month grace period has "
        "begun. Renew before {grace_end}, or the registration will be cancelled.",
    },
    "dl_tm_grace_last": {
        "zh": "⚠️ 商标宽展期即将结束{label}：请在 {grace_end} 前办理续展，否则注册商标将被注销。",
        "en": "⚠️ Trademark grace period ending{label}: renew before {grace_end}, or the registration will be "
        "cancelled.",
    },
    "dl_pf_before": {
        "zh": "⏰ 专利年费提醒{label}：年费应于 {due} 前缴纳（约还有{months}）。",
        "en": "⏰ Patent annual fee{label}: due by {due} (about {months} left).",
    },
    "dl_pf_due": {
        "zh": "⏰ 专利年费今天到期{label}（{due}）。未按时缴纳的，可在{late}个月滞纳期内（至 {late_end}）补缴，"
        "每逾期一个月加收当年全额年费的{surcharge}。",
        "en": "⏰ Patent annual fee due today{label} ({due}). If it is not paid, it can still be paid within the "
        "{late}-month late period (until {late_end}) with a surcharge of {surcharge} of the year's full fee "
        "for each month late.",
    },
    "dl_pf_late_last": {
        "zh": "⚠️ 专利年费滞纳期即将结束{label}：请在 {late_end} 前补缴年费及滞纳金（每逾期一个月加收当年全额年费的{surcharge}），"
        "否则专利权可能终止。",
        "en": "⚠️ Patent late-payment period ending{label}: pay the fee and surcharge ({surcharge} of the year's "
        "full fee per month late) before {late_end}, or the patent may lapse.",
    },
    "dl_pl_before": {
        "zh": "⏰ 质押贷款到期提醒{label}：贷款将于 {due} 到期（约还有{months}），请提前与银行沟通还款或续贷安排。",
        "en": "⏰ Pledge loan{label}: the loan matures on {due} (about {months} left); talk to your bank "
        "about repayment or renewal in good time.",
    },
    "deadline_kind": {
        "zh": "不认识「{value}」。期限类型请写 商标、专利年费 或 质押贷款（trademark / patent / pledge）。",
        "en": "Unknown kind \"{value}\": use trademark, patent (annual fee) or pledge (loan).",
    },
    "date_format": {
        "zh": "日期「{value}」格式不对，请写成「年-月-日」，例如「2027-03-15」。",
        "en": "\"{value}\" is not a date; write it as year-month-day, e.g. 2027-03-15.",
    },
    "bad_date": {"zh": "没有 {value} 这一天，请检查日期。", "en": "There is no such day as {value}; please check it."},
    "deadline_past": {
        "zh": "{value} 已经过去，能办理的最后一天是 {last}，无法再提醒。",
        "en": "{value} has passed; the last day anything could be done was {last}, so there is nothing to remind.",
    },
    "deadline_too_far": {
        "zh": "{value} 太远了，请检查年份。", "en": "{value} is too far from today; please check the year.",
    },
    "deadline_too_many": {
        "zh": "每家企业最多登记 {count} 个期限，请先用 /mydeadlines 删除不需要的。",
        "en": "A firm can keep at most {count} deadlines; remove some with /mydeadlines first.",
    },
    "deadline_fact_missing": {
        "zh": "知识库缺少数据 {fact}，暂时无法计算这类期限的提醒，请联系人工服务专员。",
        "en": "The knowledge base lacks the fact {fact}, so these reminders cannot be worked out yet; "
        "please tell one of our IP advisers.",
    },
    "when_format": {
        "zh": "时间格式：「2026-12-01 09:30」（北京时间），可在后面加「每周」「每月」或「每年」。",
        "en": "Time format: 2026-12-01 09:30 (Beijing time), optionally followed by weekly / monthly / yearly.",
    },
    "when_recurrence": {
        "zh": "不认识「{word}」，重复请写 每周、每月 或 每年。",
        "en": "Unknown repetition \"{word}\": use weekly, monthly or yearly.",
    },
    "when_past": {"zh": "{value} 已经过去，请写一个将来的时间。", "en": "{value} has passed; give a future time."},
    # specialists' broadcasts (bot/reach/broadcasts.py, handlers/telegram/reminders.py)
    "aud_notices": {"zh": "所有接收服务通知的企业", "en": "every firm that accepts service notices"},
    "aud_topics": {"zh": "订阅了{topics}的企业", "en": "subscribers of {topics}"},
    "aud_or": {"zh": "，以及", "en": ", and "},
    "aud_counties": {"zh": "；限{counties}", "en": "; only in {counties}"},
    "aud_industries": {"zh": "；限{industries}行业", "en": "; only {industries} firms"},
    "when_now": {"zh": "发送：立即", "en": "Sending: now"},
    "when_at": {"zh": "发送：{at}（北京时间）", "en": "Sending: {at} (Beijing time)"},
    "when_repeat": {"zh": "发送：{at}起{every}（北京时间）", "en": "Sending: from {at}, {every} (Beijing time)"},
    "every_week": {"zh": "每周", "en": "every week"},
    "every_month": {"zh": "每月（月末自动取当月最后一天）", "en": "every month (the month's last day when shorter)"},
    "every_year": {"zh": "每年", "en": "every year"},
    "bc_empty": {"zh": "群发内容不能为空。", "en": "The message cannot be empty."},
    "bc_too_long": {
        "zh": "内容有 {count} 个字，最多 {limit} 个字，请精简后重新发送。",
        "en": "The message has {count} characters; at most {limit}. Please shorten it and send it again.",
    },
    "bc_audience": {"zh": "受众：{audience}\n收件人：{count} 家企业", "en": "Audience: {audience}\nRecipients: {count} firms"},
    "bc_preview": {"zh": "预览（收件人看到的内容）：", "en": "Preview (what recipients will read):"},
    "bc_count_later": {
        "zh": "（人数按当前订阅计算；发送时按届时的订阅发送）",
        "en": "(counted now; it goes to whoever is subscribed when it is sent)",
    },
    "bc_ask_text": {
        "zh": "请发送要群发的内容（纯文本，最多 3500 字）。发送 /cancel 放弃。",
        "en": "Send the message to broadcast (plain text, at most 3,500 characters). /cancel to give up.",
    },
    "bc_choose_audience": {
        "zh": "选择受众（可组合：主题订阅者与接收通知的企业合并，县区、行业用来限定范围）：",
        "en": "Choose the audience (combine freely: topic subscribers and firms accepting notices add up; "
        "counties and industries narrow it):",
    },
    "bc_choose_when": {"zh": "什么时候发送？", "en": "When should it go out?"},
    "bc_ask_when": {
        "zh": "请输入发送时间（北京时间），例如「2026-12-01 09:30」；重复发送在后面加「每周」「每月」或「每年」，例如「2026-12-31 09:00 每月」。",
        "en": "Type the time (Beijing time), e.g. 2026-12-01 09:30; to repeat add weekly / monthly / yearly, "
        "e.g. 2026-12-31 09:00 monthly.",
    },
    "bc_btn_notices": {"zh": "接收通知的企业", "en": "Firms accepting notices"},
    "bc_btn_topics": {"zh": "按主题订阅 ▸", "en": "By topic ▸"},
    "bc_btn_counties": {"zh": "按县区 ▸", "en": "By county ▸"},
    "bc_btn_industries": {"zh": "按行业 ▸", "en": "By industry ▸"},
    "bc_btn_back": {"zh": "◂ 返回", "en": "◂ Back"},
    "bc_btn_next": {"zh": "下一步：发送时间 ▸", "en": "Next: when ▸"},
    "bc_btn_cancel": {"zh": "取消", "en": "Cancel"},
    "bc_btn_now": {"zh": "立即发送", "en": "Now"},
    "bc_btn_later": {"zh": "定时 / 重复…", "en": "Later / repeat…"},
    "bc_btn_confirm": {"zh": "✅ 确认发送", "en": "✅ Confirm"},
    "bc_scheduled": {
        "zh": "已安排群发 #{id}。{when}。发送后会把投递报告发给您；/reminders 查看，/cancel_reminder {id} 取消。",
        "en": "Broadcast #{id} is scheduled. {when}. You will get a delivery report after it goes out; "
        "/reminders lists it, /cancel_reminder {id} cancels it.",
    },
    "bc_discarded": {"zh": "已放弃，没有发送任何消息。", "en": "Discarded; nothing was sent."},
    "bc_timed_out": {
        "zh": "这份群发草稿长时间没有完成，已自动放弃，没有发送任何消息。",
        "en": "This broadcast draft was left unfinished for too long and is discarded; nothing was sent.",
    },
    "bc_stale": {
        "zh": "这个草稿已失效，请重新发送 /broadcast。", "en": "This draft has expired; start again with /broadcast.",
    },
    "bc_none_scheduled": {"zh": "目前没有待发的群发或提醒。", "en": "Nothing is scheduled."},
    "bc_scheduled_title": {"zh": "待发与发送中的群发：", "en": "Scheduled and sending:"},
    "bc_line_scheduled": {"zh": "#{id} · {when} · {audience} · {snippet}", "en": "#{id} · {when} · {audience} · {snippet}"},
    "bc_line_sending": {
        "zh": "#{id} · 发送中 {done}/{total} · {snippet}", "en": "#{id} · sending {done}/{total} · {snippet}",
    },
    "bc_cancel_hint": {"zh": "取消：/cancel_reminder <编号>", "en": "Cancel: /cancel_reminder <id>"},
    "bc_cancel_usage": {"zh": "用法：/cancel_reminder <编号>（编号见 /reminders）", "en": "Usage: /cancel_reminder <id> (ids in /reminders)"},
    "bc_not_found": {"zh": "没有编号为 #{id} 的群发。", "en": "There is no broadcast #{id}."},
    "bc_not_cancellable": {
        "zh": "#{id} 无法取消（状态：{status}），只能取消尚未发送的群发。",
        "en": "#{id} cannot be cancelled (status: {status}); only broadcasts not yet sent can be.",
    },
    "bct_help": {
        "zh": "修改：「主题 商标 专利」·「县区 邵武 建瓯」·「行业 茶叶」·「通知 开」或「通知 关」·"
        "「时间 2026-12-01 09:30」，可加「每周」「每月」或「每年」（默认立即）"
        "\n回复「确认」发送，「取消」放弃。",
        "en": "Change: topics trademark patent · counties Shaowu Jianou · industries tea · notices on/off · "
        "time 2026-12-01 09:30 [weekly/monthly/yearly] (default now)\nReply \"confirm\" to send, \"cancel\" to drop it.",
    },
    "bct_unknown": {"zh": "不明白「{word}」。", "en": "\"{word}\" is not understood."},
    "bct_unknown_value": {"zh": "不认识：{words}", "en": "Not recognised: {words}"},
    "bct_notices_usage": {"zh": "请写 通知 开 或 通知 关。", "en": "Write notices on or notices off."},
    "status_scheduled": {"zh": "待发", "en": "scheduled"},
    "status_sending": {"zh": "发送中", "en": "sending"},
    "status_sent": {"zh": "已发送", "en": "sent"},
    "status_cancelled": {"zh": "已取消", "en": "cancelled"},
    "bc_cancelled": {"zh": "已取消 #{id}，不会再发送。", "en": "Cancelled #{id}; it will not go out."},
    # firms' deadlines in a channel
    "dl_usage": {
        "zh": "登记期限提醒：/deadline 类型 日期 [备注]\n类型：商标（注册证上的有效期截止日）、专利年费（年费缴纳截止日）、质押贷款（到期日）\n"
        "例如「/deadline 商标 2027-03-15 第12345678号」",
        "en": "Add a deadline: /deadline kind date [note]\nkind: trademark (expiry date on the certificate), "
        "patent (annual-fee due date), pledge (loan maturity)\ne.g. /deadline trademark 2027-03-15 No.12345678",
    },
    "dl_added": {
        "zh": "已登记：{kind} {due}{label}。将在以下日期 {time} 提醒您：{days}。",
        "en": "Added: {kind} {due}{label}. You will be reminded at {time} on: {days}.",
    },
    "dl_added_none": {
        "zh": "已登记：{kind} {due}{label}。提醒日期都已过去，请尽快办理（最迟 {last}）。",
        "en": "Added: {kind} {due}{label}. Every reminder date has passed; act now (at the latest {last}).",
    },
    "dl_list_title": {"zh": "您登记的期限（点击删除）：", "en": "Your deadlines (press to remove):"},
    "dl_list_none": {
        "zh": "还没有登记期限。用 /deadline 登记，例如「/deadline 商标 2027-03-15」",
        "en": "No deadlines yet. Add one with /deadline, e.g. /deadline trademark 2027-03-15",
    },
    "dl_line": {"zh": "#{id} {kind} {due}{label} · 下次提醒：{next}", "en": "#{id} {kind} {due}{label} · next reminder: {next}"},
    "dl_no_next": {"zh": "无", "en": "none"},
    "dl_removed": {"zh": "已删除期限 #{id}。", "en": "Removed deadline #{id}."},
    "dl_kind_trademark": {"zh": "商标有效期", "en": "Trademark expiry"},
    "dl_kind_patent_fee": {"zh": "专利年费", "en": "Patent annual fee"},
    "dl_kind_pledge_loan": {"zh": "质押贷款到期", "en": "Pledge loan maturity"},
    "cmd_deadline": {"zh": "登记期限提醒", "en": "Add a deadline reminder"},
    "cmd_mydeadlines": {"zh": "我的期限提醒", "en": "My deadline reminders"},
    "cmd_broadcast": {"zh": "专员：群发通知", "en": "Specialist: broadcast"},
    "cmd_reminders": {"zh": "专员：待发群发", "en": "Specialist: scheduled broadcasts"},
    "cmd_cancel_reminder": {"zh": "专员：取消群发", "en": "Specialist: cancel a broadcast"},
    "notices_stop": {"zh": "✖ 服务通知", "en": "✖ Service notices"},
    "notices_on": {"zh": "服务通知：接收中", "en": "Service notices: on"},
    "ack": {"zh": "好的。还有问题随时问我；回复「菜单」可查看能咨询的主题。",
            "en": "All right. Ask me anything else any time; reply \"menu\" to see the topics."},
    "number_out_of_range": {"zh": "请回复 1–{count} 之间的数字选择上面的选项，或直接输入您的问题。",
                            "en": "Reply with a number from 1 to {count} to pick an option above, or type your question."},
    "number_without_choices": {"zh": "数字用来选择列出的选项。请直接输入您的问题，或从下面的主题中选择：",
                               "en": "Numbers pick a listed option. Type your question, or pick a topic below:"},
    "other_parts": {"zh": "您还问到：{parts}。请点下面的选项查看。",
                    "en": "You also asked about: {parts}. Pick them below."},
    "back_to_topic": {"zh": "↩ {topic}：全部分类", "en": "↩ {topic}: all groups"},
}


def text(key: str, lang: str, **values: str) -> str:
    """The string `key` in `lang` (zh-hant: zh in traditional characters; zh when the language is unknown)."""
    variants = TEXTS[key]
    said = variants.get(lang, variants["zh"]).format(**values)
    return to_traditional(said) if lang == TRADITIONAL else said
