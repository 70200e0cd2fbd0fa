"""Emergency situations built from general building blocks, and their look-alikes.

Each pattern of the rule file's emergency combos has a sentence here that is in
no corpus: the combos must keep recognising new wordings of the same situation,
and the same words in a past, hypothetical or harmless context must not
transfer the call.
"""

import pytest

from nlu import classify


@pytest.mark.parametrize(
    ("text", "number"),
    [
        # swallowed poison or far too many pills
        ("我弟弟喝了半瓶除草剂 现在直吐", "120"),
        ("我奶奶把一盒药全吃了 叫她光哼哼", "120"),
        ("我舅喝了农要了 赶紧来", "120"),  # 农药 misheard
        # bodies in water
        ("有个钓鱼的大爷从坝上滑下去了 在水里扑腾呢", "119"),
        ("俩孩子在坑塘里游泳 有一个沉下去了没上来", "119"),
        # smoke and flames from a place
        ("对门门缝往外冒浓烟 敲门没人应", "119"),
        ("我们店里配电箱冒烟了 还有火苗", "119"),
        ("化工厂的储罐漏了 味道刺鼻 眼睛都睁不开", "119"),
        # falls and injuries
        ("装空调的师傅从二楼摔下来了 躺地上起不来", "120"),
        ("我爸从梯子上掉下来了 胳膊都变形了", "120"),
        ("孩子把热水壶碰翻了 开水浇身上了", "120"),
        # detention, force, threats
        ("我让他们关在一个小屋里 手机被收了 我偷偷借的电话", "110"),
        ("几个人把一个女孩硬塞进车里拉走了", "110"),
        ("有个女的站在桥栏杆外面 喊她也不理", "110"),
        ("我接了个电话说是公安局的 让我往安全账户转钱 我已经转了两万", "110"),
        # trapped, lost, crushed
        ("墙倒了 把一个工人砸底下了 我们搬不开", "119"),
        ("我们几个爬山迷路了 天快黑了", "119"),
    ],
)
def test_new_wordings_of_known_situations(text, number):
    decision = classify(text)
    assert (decision.label, decision.emergency) == ("emergency", number), decision.to_dict()


@pytest.mark.parametrize(
    "text",
    [
        "家里的安眠药过期了 应该扔到哪儿",
        "我妈吃了降压药还是有点晕 社区医院能开药吗",
        "去年我家着过火 现在想问问房子保险能理赔吗",
        "河边的护栏坏了 万一有孩子掉下去咋办 建议赶紧修",
        "楼下烧烤摊冒烟 熏得我们家开不了窗",
        "我家油烟机不抽烟了 做饭屋里全是烟 想找人来修",
        "120急救车出一趟车多少钱 医保能报吗",
        "小区燃气管道都锈了 担心以后漏气 能不能派人来查查",
        "上个月我爸从梯子上摔下来 现在出院了 想问问工伤怎么认定",
        "我的车被扣在交警队了 他们不让提 说我违停",
        "钥匙跟手机都锁在屋里了 能找个开锁的吗",
        "晚上十点了楼上还在装修砸墙",
        "我家狗让邻居家的狗咬伤了 看病花了两千 他们不给钱",
    ],
)
def test_look_alikes_are_no_emergency(text):
    decision = classify(text)
    assert decision.label != "emergency", decision.to_dict()
